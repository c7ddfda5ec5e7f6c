#include "bench_tagged.h"

char *tm_bench_tag_text(guint t)
{
    return g_strdup_printf("%08x-0000-4000-8000-%012x", t, t);
}

void tm_bench_execute_ok(TmQmpConn *conn, const char *command, json_object *args)
{
    g_autoptr(GError) err = NULL;
    json_object *reply = tm_qmp_conn_execute(conn, command, args, &err);

    if (reply == NULL || !json_object_object_get_ex(reply, "return", NULL)) {
        g_error("%s: %s", command, reply ? json_object_to_json_string(reply) : err->message);
    }
    json_object_put(reply);
}

void tm_bench_add_backend(TmQmpConn *conn, const char *id, uint64_t size, const char *tag)
{
    json_object *backend = json_object_new_object();

    json_object_object_add(backend, "qom-type", json_object_new_string("memory-backend-ram"));
    json_object_object_add(backend, "id", json_object_new_string(id));
    json_object_object_add(backend, "size", json_object_new_uint64(size));
    if (tag) {
        json_object_object_add(backend, "tag", json_object_new_string(tag));
    }
    tm_bench_execute_ok(conn, "object-add", backend);
}

void tm_bench_add_tagged(TmQmpConn *conn, guint t, guint per_tag, guint hosts)
{
    g_autofree char *tag = tm_bench_tag_text(t);
    g_autofree char *id = g_strdup_printf("m%u", t);
    json_object *add = json_object_new_object();
    json_object *extents = json_object_new_array();

    tm_bench_add_backend(conn, id, (uint64_t)per_tag * TM_BENCH_BLOCK, tag);
    for (guint e = 0; e < per_tag; e++) {
        json_object *extent = json_object_new_object();
        uint64_t block = ((uint64_t)t * per_tag + e) * 2;
        json_object_object_add(extent, "offset",
                               json_object_new_uint64(block * TM_BENCH_BLOCK));
        json_object_object_add(extent, "len", json_object_new_uint64(TM_BENCH_BLOCK));
        json_object_array_add(extents, extent);
    }
    json_object_object_add(add, "path", json_object_new_string("dcd0"));
    json_object_object_add(add, "host-id", json_object_new_int((int)(t % hosts)));
    json_object_object_add(add, "selection-policy", json_object_new_string("prescriptive"));
    json_object_object_add(add, "region", json_object_new_int(0));
    json_object_object_add(add, "tag", json_object_new_string(tag));
    json_object_object_add(add, "extents", extents);
    tm_bench_execute_ok(conn, "cxl-add-dynamic-capacity", add);
}
