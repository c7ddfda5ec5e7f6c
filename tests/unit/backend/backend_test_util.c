#include "backend_test_util.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"

static bool kind_from_name(const char *name, TmPropKind *kind)
{
    static const struct {
        const char *name;
        TmPropKind kind;
    } kinds[] = {
        { "str", TM_PROP_STR }, { "bool", TM_PROP_BOOL },
        { "size", TM_PROP_SIZE }, { "uint", TM_PROP_UINT },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (strcmp(kinds[i].name, name) == 0) {
            *kind = kinds[i].kind;
            return true;
        }
    }
    return false;
}

/* "name[:kind]=text" → a typed assignment; the name is stored in @name_out. */
static bool parse_assignment(const TmObjectClass *type, const char *item, char **name_out,
                             TmValue *value, GError **err)
{
    g_auto(GStrv) key_value = g_strsplit(item, "=", 2);
    g_auto(GStrv) name_kind = g_strsplit(key_value[0], ":", 2);
    const char *text = key_value[1] ? key_value[1] : "";
    TmPropKind kind = TM_PROP_STR;

    if (name_kind[1]) {
        g_assert_true(kind_from_name(name_kind[1], &kind));
    } else if (type) {
        const TmProperty *prop = tm_class_find_property(type, name_kind[0]);
        kind = prop ? prop->kind : TM_PROP_STR;
    }
    *name_out = g_strdup(name_kind[0]);
    return tm_value_parse_text(kind, name_kind[0], text, value, err);
}

TmHostMem *test_create_backend(TmBackendRegistry *registry, const char *type_name,
                               const char *id, const char *props_text, GError **err)
{
    const TmObjectClass *type = tm_hostmem_find_type(type_name);
    g_auto(GStrv) items = g_strsplit(props_text, ",", -1);
    guint n_items = g_strv_length(items);
    g_autofree TmPropAssignment *props = g_new0(TmPropAssignment, n_items);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    TmHostMem *backend = NULL;
    size_t n_props = 0;
    bool parsed = true;

    for (guint i = 0; i < n_items && parsed; i++) {
        char *name = NULL;
        if (items[i][0] == '\0') {
            continue;
        }
        parsed = parse_assignment(type, items[i], &name, &props[n_props].value, err);
        g_ptr_array_add(names, name);
        props[n_props].name = name;
        n_props++;
    }
    if (parsed) {
        backend = tm_backend_registry_create(registry, type_name, id, props, n_props, err);
    }
    for (size_t i = 0; i < n_props; i++) {
        tm_value_clear(&props[i].value);
    }
    return backend;
}

TmHostMem *test_create_backend_ok(TmBackendRegistry *registry, const char *type_name,
                                  const char *id, const char *props_text)
{
    g_autoptr(GError) err = NULL;
    TmHostMem *backend = test_create_backend(registry, type_name, id, props_text, &err);

    g_assert_no_error(err);
    g_assert_nonnull(backend);
    return backend;
}

bool test_set_property(TmHostMem *backend, const char *name, const char *text, GError **err)
{
    return tm_object_set_property_text(tm_hostmem_object(backend), name, text, err);
}

void test_assert_registry_consistent(const TmBackendRegistry *registry)
{
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(registry);
    guint tagged = 0;

    g_assert_cmpuint(backends->len, ==, tm_backend_registry_count(registry));
    for (guint i = 0; i < backends->len; i++) {
        TmHostMem *backend = g_ptr_array_index(backends, i);
        g_assert_true(tm_hostmem_registry(backend) == registry);
        g_assert_true(tm_backend_registry_find_by_id(registry, tm_hostmem_id(backend)) ==
                      backend);
        const TmGuid *tag = tm_hostmem_tag(backend);
        if (tag) {
            TmGuid copy = *tag;
            g_assert_true(tm_backend_registry_find_by_tag(registry, &copy) == backend);
            tagged++;
        }
    }
    g_assert_cmpuint(tm_backend_registry_tag_count(registry), ==, tagged);
}

char *test_registry_snapshot(const TmBackendRegistry *registry)
{
    g_autoptr(GPtrArray) backends = tm_backend_registry_list(registry);
    GString *text = g_string_new(NULL);

    for (guint i = 0; i < backends->len; i++) {
        TmHostMem *backend = g_ptr_array_index(backends, i);
        g_autofree char *tag =
            tm_hostmem_tag(backend) ? tm_guid_to_string(tm_hostmem_tag(backend)) : NULL;
        g_string_append_printf(text, "%s=%s;", tm_hostmem_id(backend), tag ? tag : "-");
    }
    return g_string_free(text, FALSE);
}

static size_t resident_pages(const void *memory, size_t length, size_t *pages)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t count = (length + page - 1) / page;
    g_autofree unsigned char *vec = g_malloc0(count);
    size_t resident = 0;

    g_assert_cmpint(mincore((void *)memory, length, vec), ==, 0);
    for (size_t i = 0; i < count; i++) {
        resident += vec[i] & 1;
    }
    *pages = count;
    return resident;
}

bool test_pages_all_resident(const void *memory, size_t length)
{
    size_t pages;

    return resident_pages(memory, length, &pages) == pages;
}

bool test_pages_none_resident(const void *memory, size_t length)
{
    size_t pages;

    return resident_pages(memory, length, &pages) == 0;
}
