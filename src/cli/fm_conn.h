/*
 * A fabric manager's connection to a device's FM socket (docs/fm-api.md):
 * one request, one response, as on an MCTP endpoint.  Used by "tagmem fm".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

typedef struct TmFmConn TmFmConn;

TmFmConn *tm_fm_conn_connect(const char *path, GError **err);
void tm_fm_conn_free(TmFmConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmFmConn, tm_fm_conn_free)

/*
 * Send @opcode with @payload and wait for its response, which must echo
 * the request's type, tag and opcode.  On success *@return_code is the
 * response's return code and *@out (caller frees) its payload; false and
 * @err on a transport failure or a malformed response.
 */
bool tm_fm_conn_call(TmFmConn *conn, uint16_t opcode, const void *payload, size_t length,
                     uint16_t *return_code, GByteArray **out, GError **err);
