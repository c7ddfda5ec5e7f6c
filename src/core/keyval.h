/*
 * QEMU's keyval syntax for command-line options, e.g.
 *     memory-backend-ram,id=mem0,size=1G
 *     unix:/run/tagmem/qmp.sock,server=on,wait=off
 * Elements are separated by ','; a literal comma inside a value is written
 * ",,".  The first element may omit "key=" and then belongs to an implied
 * key (qom-type for -object, the address for -qmp).  Keys may repeat (list
 * properties such as host-nodes); the pairs keep their order.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef struct {
    char *key;
    char *value;
} TmKeyvalPair;

/*
 * Parse @text into an array of TmKeyvalPair (the array frees its pairs).
 * @implied_key may be NULL when every element must be "key=value".
 */
GPtrArray *tm_keyval_parse(const char *text, const char *implied_key, GError **err);

/* The value of the last pair named @key, or NULL. */
const char *tm_keyval_lookup(const GPtrArray *pairs, const char *key);
