/* SPDX-License-Identifier: Apache-2.0 */
/*
 * command-validate.h: the `validate` command: every config file of the folders checked as hook mode would
 * check an activated one, host paths included, one line per problem ("FILE: what is wrong").
 */
#pragma once

#include "macro.h"

/*
 * Writes one line per problem to out (control characters shown as '?') and returns how many there
 * were (0: all good), or a negative errno when checking itself failed. Kernel modules are looked up
 * in modules_dir (NULL: the running kernel's). Configs that would conflict if a container activated
 * them together are named in a warning: they may never be. *ret_files: how many files were read.
 */
int oih_command_validate(char *const *dirs, const char *modules_dir, FILE *out, size_t *ret_files);
