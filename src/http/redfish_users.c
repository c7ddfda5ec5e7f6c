#include "http/redfish_users.h"

#include <crypt.h>
#include <string.h>

#include "core/error.h"

typedef struct {
    char *name;
    TmRedfishRole role;
    char *hash;
} TmRedfishUser;

struct TmRedfishUsers {
    GPtrArray *users; /* TmRedfishUser */
    char *dummy_hash; /* hashed for unknown users, to cost the same */
};

static void user_free(gpointer data)
{
    TmRedfishUser *user = data;

    g_free(user->name);
    g_free(user->hash);
    g_free(user);
}

bool tm_redfish_role_parse(const char *text, TmRedfishRole *out, GError **err)
{
    if (g_strcmp0(text, "ReadOnly") == 0) {
        *out = TM_REDFISH_ROLE_READ_ONLY;
        return true;
    }
    if (g_strcmp0(text, "Operator") == 0) {
        *out = TM_REDFISH_ROLE_OPERATOR;
        return true;
    }
    g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                "role: '%s' is not a role (expected 'ReadOnly' or 'Operator')",
                text ? text : "");
    return false;
}

const char *tm_redfish_role_name(TmRedfishRole role)
{
    return role == TM_REDFISH_ROLE_OPERATOR ? "Operator" : "ReadOnly";
}

char *tm_redfish_password_hash(const char *password, GError **err)
{
    /* yescrypt ("$y$"), libcrypt's default and Debian 12's for /etc/shadow. */
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data data = { 0 };

    if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot make a yescrypt salt");
        return NULL;
    }
    const char *hash = crypt_r(password, salt, &data);
    if (hash == NULL || hash[0] == '*') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC, "cannot hash the password");
        return NULL;
    }
    return g_strdup(hash);
}

static bool valid_name(const char *name)
{
    return name[0] != '\0' && strchr(name, ':') == NULL && strchr(name, '\n') == NULL;
}

static TmRedfishUser *parse_line(const char *line, unsigned number, GError **err)
{
    g_auto(GStrv) fields = g_strsplit(line, ":", 3);
    TmRedfishRole role;

    if (g_strv_length(fields) != 3 || !valid_name(fields[0]) || fields[2][0] != '$') {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "line %u: expected 'NAME:ROLE:HASH' with a crypt(3) hash", number);
        return NULL;
    }
    if (!tm_redfish_role_parse(fields[1], &role, err)) {
        g_prefix_error(err, "line %u: ", number);
        return NULL;
    }
    TmRedfishUser *user = g_new0(TmRedfishUser, 1);
    user->name = g_strdup(fields[0]);
    user->role = role;
    user->hash = g_strdup(fields[2]);
    return user;
}

static bool skipped(const char *line)
{
    return line[0] == '\0' || line[0] == '#';
}

TmRedfishUsers *tm_redfish_users_parse(const char *text, GError **err)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func(user_free);

    for (unsigned i = 0; lines[i] != NULL; i++) {
        if (skipped(lines[i])) {
            continue;
        }
        TmRedfishUser *user = parse_line(lines[i], i + 1, err);
        if (user == NULL) {
            return NULL;
        }
        g_ptr_array_add(users, user);
    }
    char *dummy = tm_redfish_password_hash("tagmem-unknown-user", err);
    if (dummy == NULL) {
        return NULL;
    }
    TmRedfishUsers *result = g_new0(TmRedfishUsers, 1);
    result->users = g_steal_pointer(&users);
    result->dummy_hash = dummy;
    return result;
}

TmRedfishUsers *tm_redfish_users_load(const char *path, GError **err)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, err)) {
        return NULL;
    }
    TmRedfishUsers *users = tm_redfish_users_parse(text, err);
    if (users == NULL) {
        g_prefix_error(err, "%s: ", path);
    }
    return users;
}

void tm_redfish_users_free(TmRedfishUsers *users)
{
    if (users == NULL) {
        return;
    }
    g_ptr_array_unref(users->users);
    g_free(users->dummy_hash);
    g_free(users);
}

static const TmRedfishUser *find_user(const TmRedfishUsers *users, const char *name)
{
    for (guint i = 0; i < users->users->len; i++) {
        const TmRedfishUser *user = g_ptr_array_index(users->users, i);
        if (strcmp(user->name, name) == 0) {
            return user;
        }
    }
    return NULL;
}

/* Compares every byte whatever differs, so the time does not tell where. */
static bool equal_constant_time(const char *a, const char *b)
{
    size_t len_a = strlen(a);
    size_t len_b = strlen(b);
    unsigned char diff = len_a != len_b;

    for (size_t i = 0; i < len_a; i++) {
        diff |= (unsigned char)(a[i] ^ b[i % (len_b ? len_b : 1)]);
    }
    return diff == 0;
}

bool tm_redfish_users_check(const TmRedfishUsers *users, const char *name,
                            const char *password, TmRedfishRole *role)
{
    const TmRedfishUser *user = find_user(users, name);
    const char *expected = user ? user->hash : users->dummy_hash;
    struct crypt_data data = { 0 };

    const char *hash = crypt_r(password, expected, &data);
    bool match = hash != NULL && hash[0] != '*' && equal_constant_time(hash, expected);
    if (!match || user == NULL) {
        return false;
    }
    *role = user->role;
    return true;
}

char *tm_redfish_users_set(const char *text, const char *name, const char *password,
                           TmRedfishRole role, GError **err)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *prefix = g_strdup_printf("%s:", name);
    bool replaced = false;

    if (!valid_name(name)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "user: '%s' is not a user name (no ':' or newline, not empty)", name);
        return NULL;
    }
    g_autofree char *hash = tm_redfish_password_hash(password, err);
    if (hash == NULL) {
        return NULL;
    }
    g_autofree char *entry = g_strdup_printf("%s:%s:%s\n", name, tm_redfish_role_name(role), hash);
    for (unsigned i = 0; lines[i] != NULL; i++) {
        if (lines[i][0] == '\0' && lines[i + 1] == NULL) {
            break; /* the text's final newline */
        }
        if (g_str_has_prefix(lines[i], prefix)) {
            g_string_append(out, replaced ? "" : entry);
            replaced = true;
            continue;
        }
        g_string_append_printf(out, "%s\n", lines[i]);
    }
    if (!replaced) {
        g_string_append(out, entry);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}
