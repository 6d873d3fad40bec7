/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.h: the `validate` command: every config file of the folders checked as hook mode would
 * check an activated one, host paths included, one line per problem ("FILE: what is wrong").
 */
#pragma once

#include "macro.h"

/*
 * Writes one line per problem to out and returns how many there were (0: all good), or a negative
 * errno when checking itself failed. *ret_files: how many config files were read.
 */
int oih_validate(char *const *dirs, FILE *out, size_t *ret_files);
