/*
 * The Redfish service's users file (docs/redfish.md): one user a line,
 *     NAME:ROLE:HASH
 * ROLE is "ReadOnly" or "Operator" (Redfish's predefined role names);
 * HASH is a crypt(3) yescrypt hash ("$y$..."), salted, from libcrypt.
 * Lines starting with '#' and empty lines are ignored.  "tagmem passwd"
 * writes the file.
 */
#pragma once

#include <stdbool.h>
#include <glib.h>

typedef enum {
    TM_REDFISH_ROLE_READ_ONLY,
    TM_REDFISH_ROLE_OPERATOR,
} TmRedfishRole;

typedef struct TmRedfishUsers TmRedfishUsers;

/* "ReadOnly" or "Operator"; false with @err naming the text otherwise. */
bool tm_redfish_role_parse(const char *text, TmRedfishRole *out, GError **err);
const char *tm_redfish_role_name(TmRedfishRole role);

/* Parse the text of a users file; @err names the line that is wrong. */
TmRedfishUsers *tm_redfish_users_parse(const char *text, GError **err);
TmRedfishUsers *tm_redfish_users_load(const char *path, GError **err);
void tm_redfish_users_free(TmRedfishUsers *users);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmRedfishUsers, tm_redfish_users_free)

/*
 * Check @name and @password.  An unknown user costs the same hash as a
 * known one, and hashes are compared in constant time, so the answer's
 * timing tells nothing about which part was wrong.
 */
bool tm_redfish_users_check(const TmRedfishUsers *users, const char *name,
                            const char *password, TmRedfishRole *role);

/* A new salted hash of @password, for the file. */
char *tm_redfish_password_hash(const char *password, GError **err);

/*
 * The text of a users file: @text (NULL: empty) with @name's line set to
 * @role and a new hash of @password (replaced if present, else appended).
 */
char *tm_redfish_users_set(const char *text, const char *name, const char *password,
                           TmRedfishRole role, GError **err);
