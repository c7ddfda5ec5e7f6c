#include "qmp/qmp_page.h"

#include "core/error.h"

bool tm_qmp_page_parse(json_object *args, TmQmpPage *page, GError **err)
{
    uint64_t count = tm_qmp_arg_uint(args, "count", TM_QMP_PAGE_MAX_COUNT);

    *page = (TmQmpPage){
        .paged = tm_qmp_arg_has(args, "start") || tm_qmp_arg_has(args, "count"),
        .start = tm_qmp_arg_uint(args, "start", 0),
    };
    if (count == 0 || count > TM_QMP_PAGE_MAX_COUNT) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Parameter 'count' expects a value from 1 to %u, got %" G_GUINT64_FORMAT,
                    TM_QMP_PAGE_MAX_COUNT, count);
        return false;
    }
    page->count = (guint)count;
    return true;
}
