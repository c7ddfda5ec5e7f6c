#include "qmp/qmp_command.h"

#include <string.h>

/* Every command set the server offers; a new qmp_commands_*.c adds a line. */
static const TmQmpCommand *const command_sets[] = {
    tm_qmp_core_commands,
    tm_qmp_object_commands,
    tm_qmp_qom_commands,
    tm_qmp_cxl_commands,
    tm_qmp_cxl_tag_commands,
    tm_qmp_cxl_poison_commands,
    tm_qmp_cxl_ras_commands,
};

const TmQmpCommand *tm_qmp_command_find(const char *name)
{
    for (size_t s = 0; s < G_N_ELEMENTS(command_sets); s++) {
        for (const TmQmpCommand *c = command_sets[s]; c->name; c++) {
            if (strcmp(c->name, name) == 0) {
                return c;
            }
        }
    }
    return NULL;
}

void tm_qmp_command_foreach(void (*fn)(const TmQmpCommand *command, void *opaque),
                            void *opaque)
{
    for (size_t s = 0; s < G_N_ELEMENTS(command_sets); s++) {
        for (const TmQmpCommand *c = command_sets[s]; c->name; c++) {
            fn(c, opaque);
        }
    }
}
