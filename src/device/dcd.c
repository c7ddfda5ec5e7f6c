/*
 * The cxl-type3 device: properties, creation (region carving, the static
 * memdev, hosts) and destruction.  The flows live in dcd_add.c,
 * dcd_response.c and dcd_release.c; the checks they share in
 * dcd_checks.c; event records and observers in dcd_events.c.
 */
#include "device/dcd_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "device/dcd_scan_media.h"

/* ---- Properties ---- */

static TmDcd *dcd(TmObject *obj)
{
    return tm_dcd_from_object(obj);
}

static bool set_in_range(TmObject *obj, const char *name, uint64_t value, uint64_t min,
                         uint64_t max, uint64_t *field, GError **err)
{
    if (value < min || value > max) {
        /* QEMU's QERR_PROPERTY_VALUE_OUT_OF_RANGE */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Property %s.%s doesn't take value %" PRIu64 " (minimum: %" PRIu64
                    ", maximum: %" PRIu64 ")", tm_object_type_name(obj), name, value, min, max);
        return false;
    }
    *field = value;
    return true;
}

#define UINT_PROPERTY(fn, prop_name, field_name, min, max)                              \
    static bool set_##fn(TmObject *obj, const TmValue *value, GError **err)              \
    {                                                                                    \
        return set_in_range(obj, prop_name, value->uint, min, max, &dcd(obj)->field_name, \
                            err);                                                        \
    }                                                                                    \
    static void get_##fn(TmObject *obj, TmValue *out)                                    \
    {                                                                                    \
        out->uint = dcd(obj)->field_name;                                                \
    }

UINT_PROPERTY(num_dc_regions, "num-dc-regions", num_dc_regions, 0, TM_DC_MAX_REGIONS)
UINT_PROPERTY(dc_total_size, "dc-regions-total-size", dc_total_size, 0, UINT64_MAX)
UINT_PROPERTY(num_hosts, "num-hosts", num_hosts, 1, TM_DCD_MAX_HOSTS)
UINT_PROPERTY(serial, "sn", serial, 0, UINT64_MAX)
UINT_PROPERTY(sharable_mask, "dc-region-sharable", sharable_mask, 0,
              (1u << TM_DC_MAX_REGIONS) - 1)
UINT_PROPERTY(sanitize_mask, "dc-region-sanitize-on-release", sanitize_mask, 0,
              (1u << TM_DC_MAX_REGIONS) - 1)
UINT_PROPERTY(max_extents, "dc-max-extents", max_extents, 1, TM_DCD_MAX_EXTENTS)
UINT_PROPERTY(max_tags, "dc-max-tags", max_tags, 1, UINT32_MAX)
UINT_PROPERTY(dc_log_depth, "dc-event-log-depth", dc_log_depth, 1, TM_DCD_MAX_LOG_DEPTH)
UINT_PROPERTY(poison_list_max, "poison-list-max-records", poison_list_max, 1,
              TM_DCD_MAX_POISON_LIST)
UINT_PROPERTY(offer_timeout, "dc-offer-timeout", offer_timeout_s, 0, TM_DCD_MAX_OFFER_TIMEOUT)

/*
 * The PCI IDs: 16 bits each.  FFFFh is PCI's "no device" (PCIe Base r6.0
 * §7.5.1.1.1), so a vendor ID may not be it.
 */
#define PCI_ID_PROPERTY(fn, prop_name, member, max)                                     \
    static bool set_##fn(TmObject *obj, const TmValue *value, GError **err)              \
    {                                                                                    \
        uint64_t id;                                                                     \
        if (!set_in_range(obj, prop_name, value->uint, 0, max, &id, err)) {              \
            return false;                                                                \
        }                                                                                \
        dcd(obj)->pci_identity.member = (uint16_t)id;                                    \
        return true;                                                                     \
    }                                                                                    \
    static void get_##fn(TmObject *obj, TmValue *out)                                    \
    {                                                                                    \
        out->uint = dcd(obj)->pci_identity.member;                                       \
    }

PCI_ID_PROPERTY(vendor_id, "vendor-id", vendor_id, 0xFFFE)
PCI_ID_PROPERTY(device_id, "device-id", device_id, 0xFFFF)
PCI_ID_PROPERTY(subsystem_vendor_id, "subsystem-vendor-id", subsystem_vendor_id, 0xFFFE)
PCI_ID_PROPERTY(subsystem_id, "subsystem-id", subsystem_id, 0xFFFF)

static bool set_block_size(TmObject *obj, const TmValue *value, GError **err)
{
    uint64_t size = value->uint;

    if (size == 0 || (size & (size - 1)) != 0) {
        /* QEMU's QERR_PROPERTY_VALUE_NOT_POWER_OF_2 */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "Property %s.dc-block-size doesn't take value '%" PRIu64
                    "', it's not a power of 2", tm_object_type_name(obj), size);
        return false;
    }
    return set_in_range(obj, "dc-block-size", size, TM_DC_MIN_BLOCK_SIZE,
                        TM_DC_CAPACITY_MULTIPLIER, &dcd(obj)->block_size, err);
}

static void get_block_size(TmObject *obj, TmValue *out)
{
    out->uint = dcd(obj)->block_size;
}

static bool set_dc_memdev(TmObject *obj, const TmValue *value, GError **err)
{
    TmDcd *dev = dcd(obj);

    g_free(dev->dc_memdev_id);
    dev->dc_memdev_id = value->str[0] ? g_strdup(value->str) : NULL;
    return true;
}

static void get_dc_memdev(TmObject *obj, TmValue *out)
{
    out->str = g_strdup(dcd(obj)->dc_memdev_id ? dcd(obj)->dc_memdev_id : "");
}

static const TmProperty dcd_properties[] = {
    { .name = "num-dc-regions", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Number of dynamic capacity regions (0-8)",
      .set = set_num_dc_regions, .get = get_num_dc_regions },
    { .name = "dc-regions-total-size", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Dynamic capacity of all regions together",
      .set = set_dc_total_size, .get = get_dc_total_size },
    { .name = "volatile-dc-memdev", .kind = TM_PROP_LINK, .access = TM_PROP_INIT_ONLY,
      .description = "Memory backend for untagged dynamic capacity (static mode)",
      .set = set_dc_memdev, .get = get_dc_memdev },
    { .name = "dc-block-size", .kind = TM_PROP_SIZE, .access = TM_PROP_INIT_ONLY,
      .description = "Dynamic capacity block size (power of two, default 2M)",
      .set = set_block_size, .get = get_block_size },
    { .name = "num-hosts", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Number of hosts (1-256)",
      .set = set_num_hosts, .get = get_num_hosts },
    { .name = "sn", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Serial number",
      .set = set_serial, .get = get_serial },
    { .name = "vendor-id", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "PCI vendor ID Identify reports (default 0x8086, as QEMU's cxl-type3)",
      .set = set_vendor_id, .get = get_vendor_id },
    { .name = "device-id", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "PCI device ID Identify reports (default 0x0d93, as QEMU's cxl-type3)",
      .set = set_device_id, .get = get_device_id },
    { .name = "subsystem-vendor-id", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "PCI subsystem vendor ID Identify reports (default 0)",
      .set = set_subsystem_vendor_id, .get = get_subsystem_vendor_id },
    { .name = "subsystem-id", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "PCI subsystem ID Identify reports (default 0)",
      .set = set_subsystem_id, .get = get_subsystem_id },
    { .name = "dc-region-sharable", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Bit mask of the regions whose tagged capacity may be shared",
      .set = set_sharable_mask, .get = get_sharable_mask },
    { .name = "dc-region-sanitize-on-release", .kind = TM_PROP_UINT,
      .access = TM_PROP_INIT_ONLY,
      .description = "Bit mask of the regions that zero released capacity",
      .set = set_sanitize_mask, .get = get_sanitize_mask },
    { .name = "dc-max-extents", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Extents each host may hold, pending and accepted",
      .set = set_max_extents, .get = get_max_extents },
    { .name = "dc-offer-timeout", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Seconds after which an unanswered add request is withdrawn "
                     "(0: never)",
      .set = set_offer_timeout, .get = get_offer_timeout },
    { .name = "dc-max-tags", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Tags the device tracks at once",
      .set = set_max_tags, .get = get_max_tags },
    { .name = "dc-event-log-depth", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Records each host's DC event log holds "
                     "(default: dc-max-extents, at most 65535)",
      .set = set_dc_log_depth, .get = get_dc_log_depth },
    { .name = "poison-list-max-records", .kind = TM_PROP_UINT, .access = TM_PROP_INIT_ONLY,
      .description = "Media error records Get Poison List reports before it overflows "
                     "(default 65535)",
      .set = set_poison_list_max, .get = get_poison_list_max },
    { .name = NULL },
};

/* ---- Life cycle ---- */

static void dcd_init(TmObject *obj)
{
    TmDcd *dev = dcd(obj);

    dev->block_size = TM_DC_DEFAULT_BLOCK_SIZE;
    dev->num_hosts = 1;
    dev->serial = UINT64_MAX;
    dev->pci_identity.vendor_id = TM_DCD_DEFAULT_PCI_VENDOR_ID;
    dev->pci_identity.device_id = TM_DCD_DEFAULT_PCI_DEVICE_ID;
    dev->max_extents = TM_DCD_DEFAULT_MAX_EXTENTS;
    dev->max_tags = TM_DCD_DEFAULT_MAX_TAGS;
    dev->poison_list_max = TM_DCD_DEFAULT_POISON_LIST_MAX;
    dev->observers = g_array_new(FALSE, FALSE, sizeof(TmDcdObserverEntry));
    dev->background = tm_background_op_new();
    dev->tags = g_ptr_array_new_with_free_func(tm_dcd_tag_free);
    dev->tags_by_guid = g_hash_table_new(tm_guid_hash_func, tm_guid_equal_func);
    dev->next_group_id = 1;
    dev->next_observer_id = 1;
    tm_device_health_init(&dev->health);
}

TmPendingGroup *tm_dcd_pending_group_new(const TmBackedExtent *extents, guint n_extents)
{
    TmPendingGroup *group = g_malloc0(sizeof(*group) + (gsize)n_extents * sizeof(*extents));

    group->n_extents = n_extents;
    memcpy(group->extents, extents, (gsize)n_extents * sizeof(*extents));
    return group;
}

void tm_dcd_push_group(TmDcHost *host, TmPendingGroup *group)
{
    group->next = NULL;
    if (host->newest_group) {
        host->newest_group->next = group;
    } else {
        host->oldest_group = group;
    }
    host->newest_group = group;
}

TmPendingGroup *tm_dcd_pop_group(TmDcHost *host)
{
    TmPendingGroup *group = host->oldest_group;

    g_assert(group != NULL);
    host->oldest_group = group->next;
    if (host->oldest_group == NULL) {
        host->newest_group = NULL;
    }
    g_clear_pointer(&host->answered_by_dpa, tm_extent_list_free);
    return group;
}

void tm_dcd_drop_response_parts(TmDcHost *host)
{
    /* Emptied, a GArray keeps its room: a million-extent answer would keep 16 MiB. */
    if (host->response_parts->len > 0) {
        g_array_unref(host->response_parts);
        host->response_parts = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    }
}

static gint compare_dpa(gconstpointer a, gconstpointer b)
{
    const TmBackedExtent *ea = a;
    const TmBackedExtent *eb = b;

    return ea->extent.dpa < eb->extent.dpa ? -1 : ea->extent.dpa > eb->extent.dpa;
}

TmExtentList *tm_dcd_answered_by_dpa(TmDcHost *host)
{
    const TmPendingGroup *group = host->oldest_group;

    if (host->answered_by_dpa == NULL) {
        g_autofree TmBackedExtent *sorted = g_memdup2(group->extents,
                                                      group->n_extents * sizeof(TmBackedExtent));

        qsort(sorted, group->n_extents, sizeof(TmBackedExtent), compare_dpa);
        host->answered_by_dpa = tm_extent_list_new();
        for (guint i = 0; i < group->n_extents; i++) {
            tm_extent_list_insert(host->answered_by_dpa, &sorted[i]);
        }
    }
    return host->answered_by_dpa;
}

static void host_init(TmDcHost *host, uint16_t id, guint dc_log_depth)
{
    host->id = id;
    for (unsigned type = 0; type < TM_EVENT_LOG_COUNT; type++) {
        host->logs[type] = tm_event_log_new(type == TM_EVENT_LOG_DYNAMIC_CAPACITY
                                            ? dc_log_depth : TM_DCD_STD_LOG_DEPTH);
    }
    host->response_parts = g_array_new(FALSE, FALSE, sizeof(TmExtent));
    host->accepted = tm_extent_list_new();
    host->release_marks = tm_release_marks_new();
}

static void host_clear(TmDcHost *host)
{
    for (unsigned type = 0; type < TM_EVENT_LOG_COUNT; type++) {
        tm_event_log_free(host->logs[type]);
    }
    while (host->oldest_group) {
        g_free(tm_dcd_pop_group(host));
    }
    g_array_unref(host->response_parts);
    tm_extent_list_free(host->accepted);
    for (unsigned r = 0; r < TM_DC_MAX_REGIONS; r++) {
        tm_block_bitmap_free(host->backed[r]);
    }
    tm_release_marks_free(host->release_marks);
    if (host->held_tags) {
        g_hash_table_unref(host->held_tags);
    }
}

static void dcd_finalize(TmObject *obj)
{
    TmDcd *dev = dcd(obj);

    /* First: a sanitize still running stops, and gives its backends back. */
    g_clear_pointer(&dev->background, tm_background_op_free);
    if (dev->hosts) {
        for (uint16_t h = 0; h < dev->num_hosts; h++) {
            host_clear(&dev->hosts[h]);
        }
        g_free(dev->hosts);
    }
    /* Ranges left unregister their backend users. */
    tm_alloc_map_free(dev->alloc_map);
    tm_dcd_tags_free(dev);
    tm_poison_list_free(dev->poison);
    tm_dcd_scan_media_free(dev);
    if (dev->dc_memdev) {
        tm_hostmem_remove_user(dev->dc_memdev, dev->path);
    }
    g_array_unref(dev->observers);
    g_free(dev->dc_memdev_id);
    g_free(dev->path);
}

/* Resolve volatile-dc-memdev (QEMU's link and "mapped" rules). */
static bool resolve_dc_memdev(TmDcd *dev, GError **err)
{
    TmHostMem *backend = tm_backend_registry_find_by_id(dev->backends, dev->dc_memdev_id);

    if (backend == NULL) {
        g_set_error(err, TM_ERROR, TM_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found",
                    dev->dc_memdev_id);
        return false;
    }
    if (tm_hostmem_in_use(backend)) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "memory backend %s can't be used multiple times.", dev->dc_memdev_id);
        return false;
    }
    dev->dc_memdev = backend;
    return true;
}

static bool check_region_mask(const TmDcd *dev, const char *name, uint64_t mask,
                              GError **err)
{
    if (mask >> dev->num_dc_regions) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "%s 0x%" PRIx64 " names region %d, but the device has %" PRIu64
                    " regions", name, mask, 63 - __builtin_clzll(mask), dev->num_dc_regions);
        return false;
    }
    return true;
}

static bool check_dc_config(TmDcd *dev, GError **err)
{
    if (dev->num_dc_regions == 0) {
        if (dev->dc_total_size || dev->dc_memdev_id) {
            g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                        "num-dc-regions must be at least 1 when dc-regions-total-size or "
                        "volatile-dc-memdev is given");
            return false;
        }
        return true;
    }
    if (dev->dc_total_size == 0 && dev->dc_memdev_id == NULL) {
        /* QEMU's text for the same check */
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "dynamic capacity must have a backing device");
        return false;
    }
    if (dev->dc_memdev_id && !resolve_dc_memdev(dev, err)) {
        return false;
    }
    dev->dc_size = dev->dc_total_size ? dev->dc_total_size : tm_hostmem_size(dev->dc_memdev);
    if (!tm_dc_regions_carve(0, dev->dc_size, dev->num_dc_regions, dev->block_size,
                             dev->regions, err)) {
        return false;
    }
    if (dev->dc_memdev && tm_hostmem_size(dev->dc_memdev) < dev->dc_size) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "volatile-dc-memdev '%s' has 0x%" PRIx64 " bytes, less than "
                    "dc-regions-total-size 0x%" PRIx64, dev->dc_memdev_id,
                    tm_hostmem_size(dev->dc_memdev), dev->dc_size);
        return false;
    }
    return check_region_mask(dev, "dc-region-sharable", dev->sharable_mask, err) &&
           check_region_mask(dev, "dc-region-sanitize-on-release", dev->sanitize_mask, err);
}

/*
 * The DC log must take a request of the largest size: dc-max-extents
 * records, or a full log when a host may hold more extents than a log can.
 */
static bool settle_log_depth(TmDcd *dev, GError **err)
{
    uint64_t needed = MIN(dev->max_extents, TM_DCD_MAX_LOG_DEPTH);

    if (dev->dc_log_depth == 0) {
        dev->dc_log_depth = needed;
        return true;
    }
    if (dev->dc_log_depth >= needed) {
        return true;
    }
    if (needed == dev->max_extents) {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "dc-event-log-depth %" PRIu64 " is less than dc-max-extents %" PRIu64
                    ": a request of that many extents would not fit the log",
                    dev->dc_log_depth, dev->max_extents);
    } else {
        g_set_error(err, TM_ERROR, TM_ERROR_GENERIC,
                    "dc-event-log-depth %" PRIu64 " is less than %u: with dc-max-extents %"
                    PRIu64 " the log must be as deep as a log can be",
                    dev->dc_log_depth, TM_DCD_MAX_LOG_DEPTH, dev->max_extents);
    }
    return false;
}

static bool dcd_complete(TmObject *obj, GError **err)
{
    TmDcd *dev = dcd(obj);

    if (!check_dc_config(dev, err)) {
        dev->dc_memdev = NULL;
        return false;
    }
    if (!settle_log_depth(dev, err)) {
        dev->dc_memdev = NULL;
        return false;
    }
    /* The setter caps num-dc-regions; MIN() lets the compiler see it. */
    for (unsigned r = 0; r < MIN(dev->num_dc_regions, TM_DC_MAX_REGIONS); r++) {
        dev->regions[r].sharable = (dev->sharable_mask >> r) & 1;
        dev->regions[r].sanitize_on_release = (dev->sanitize_mask >> r) & 1;
    }
    if (dev->dc_memdev) {
        /* QEMU marks the memdev "mapped": nobody else may use it. */
        tm_hostmem_add_user(dev->dc_memdev, dev->path);
    }
    dev->hosts = g_new0(TmDcHost, dev->num_hosts);
    for (uint16_t h = 0; h < dev->num_hosts; h++) {
        host_init(&dev->hosts[h], h, (guint)dev->dc_log_depth);
    }
    dev->alloc_map = tm_alloc_map_new(dev->path);
    dev->poison = tm_poison_list_new((guint)dev->poison_list_max);
    return true;
}

const TmObjectClass tm_dcd_class = {
    .type_name = TM_DCD_TYPE,
    .parent = &tm_object_class,
    .instance_size = sizeof(TmDcd),
    .properties = dcd_properties,
    .init = dcd_init,
    .complete = dcd_complete,
    .finalize = dcd_finalize,
};

TmDcd *tm_dcd_new(const char *id, TmBackendRegistry *backends)
{
    g_assert(id != NULL && backends != NULL);

    TmDcd *dev = tm_dcd_from_object(tm_object_new(&tm_dcd_class, id));
    dev->backends = backends;
    dev->path = g_strconcat(TM_DCD_PATH_PREFIX, id, NULL);
    return dev;
}

TmDcd *tm_dcd_from_object(TmObject *obj)
{
    g_assert(tm_object_is_a(obj, &tm_dcd_class));
    return (TmDcd *)obj;
}

TmObject *tm_dcd_object(TmDcd *dev)
{
    return &dev->parent;
}

const char *tm_dcd_id(const TmDcd *dev)
{
    return dev->parent.id;
}

const char *tm_dcd_path(const TmDcd *dev)
{
    return dev->path;
}

TmDcHost *tm_dcd_host(const TmDcd *dev, uint16_t host_id)
{
    g_assert(host_id < dev->num_hosts);
    return &dev->hosts[host_id];
}
