/* Printing a "tagmem fm" answer for people or, with --json, for scripts. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

/*
 * @answer: an object whose "regions", "extents" and "tags" members are
 * lists of objects (tables) and whose other members are scalars or lists
 * of scalars.
 */
void tm_fm_print(json_object *answer, bool as_json, FILE *out);
