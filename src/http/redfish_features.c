#include "http/redfish_features.h"

#include <stdbool.h>

static void flag(json_object *obj, const char *name, bool value)
{
    json_object_object_add(obj, name, json_object_new_boolean(value));
}

json_object *tm_redfish_protocol_features(void)
{
    json_object *features = json_object_new_object();
    json_object *expand = json_object_new_object();
    json_object *deep = json_object_new_object();

    /* $expand: "." (subordinate resources, here collection members) to one level. */
    flag(expand, "ExpandAll", false);
    flag(expand, "Links", false);
    flag(expand, "NoLinks", true);
    flag(expand, "Levels", true);
    json_object_object_add(expand, "MaxLevels", json_object_new_int(1));
    json_object_object_add(features, "ExpandQuery", expand);
    flag(features, "SelectQuery", true);
    flag(features, "FilterQuery", false);
    flag(features, "OnlyMemberQuery", false);
    flag(features, "ExcerptQuery", false);
    flag(features, "TopSkipQuery", false);
    flag(deep, "DeepPATCH", false);
    flag(deep, "DeepPOST", false);
    json_object_object_add(features, "DeepOperations", deep);
    return features;
}
