/* SPDX-License-Identifier: Apache-2.0 */
/* plan-private.h: what the plan's files share with each other and nothing else uses. */
#pragma once

#include "plan.h"

/* Notes p->ops[i] in the index of operations by place (dedup.c). */
int oih_plan_index_op(struct oih_plan *p, size_t i);

/* Empties that index. */
void oih_plan_index_clear(struct oih_plan *p);
