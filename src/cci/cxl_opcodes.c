#include "cci/cxl_opcodes.h"

#include <stddef.h>

const char *tm_cxl_opcode_name(uint16_t opcode)
{
    static const struct {
        TmCxlOpcode opcode;
        const char *name;
    } names[] = {
        { TM_CXL_OP_IDENTIFY, "Identify" },
        { TM_CXL_OP_BACKGROUND_OPERATION_STATUS, "Background Operation Status" },
        { TM_CXL_OP_GET_RESPONSE_MESSAGE_LIMIT, "Get Response Message Limit" },
        { TM_CXL_OP_SET_RESPONSE_MESSAGE_LIMIT, "Set Response Message Limit" },
        { TM_CXL_OP_GET_EVENT_RECORDS, "Get Event Records" },
        { TM_CXL_OP_CLEAR_EVENT_RECORDS, "Clear Event Records" },
        { TM_CXL_OP_GET_EVENT_INTERRUPT_POLICY, "Get Event Interrupt Policy" },
        { TM_CXL_OP_SET_EVENT_INTERRUPT_POLICY, "Set Event Interrupt Policy" },
        { TM_CXL_OP_GET_TIMESTAMP, "Get Timestamp" },
        { TM_CXL_OP_SET_TIMESTAMP, "Set Timestamp" },
        { TM_CXL_OP_GET_SUPPORTED_LOGS, "Get Supported Logs" },
        { TM_CXL_OP_GET_LOG, "Get Log" },
        { TM_CXL_OP_IDENTIFY_MEMORY_DEVICE, "Identify Memory Device" },
        { TM_CXL_OP_GET_HEALTH_INFO, "Get Health Info" },
        { TM_CXL_OP_GET_ALERT_CONFIG, "Get Alert Configuration" },
        { TM_CXL_OP_SET_ALERT_CONFIG, "Set Alert Configuration" },
        { TM_CXL_OP_GET_POISON_LIST, "Get Poison List" },
        { TM_CXL_OP_INJECT_POISON, "Inject Poison" },
        { TM_CXL_OP_CLEAR_POISON, "Clear Poison" },
        { TM_CXL_OP_GET_SCAN_MEDIA_CAPS, "Get Scan Media Capabilities" },
        { TM_CXL_OP_SCAN_MEDIA, "Scan Media" },
        { TM_CXL_OP_GET_SCAN_MEDIA_RESULTS, "Get Scan Media Results" },
        { TM_CXL_OP_SANITIZE, "Sanitize" },
        { TM_CXL_OP_SECURE_ERASE, "Secure Erase" },
        { TM_CXL_OP_GET_DC_CONFIG, "Get Dynamic Capacity Configuration" },
        { TM_CXL_OP_GET_DC_EXTENT_LIST, "Get Dynamic Capacity Extent List" },
        { TM_CXL_OP_ADD_DC_RESPONSE, "Add Dynamic Capacity Response" },
        { TM_CXL_OP_RELEASE_DC, "Release Dynamic Capacity" },
        { TM_CXL_OP_GET_DCD_INFO, "Get DCD Info" },
        { TM_CXL_OP_GET_HOST_DC_REGION_CONFIG, "Get Host DC Region Configuration" },
        { TM_CXL_OP_SET_DC_REGION_CONFIG, "Set DC Region Configuration" },
        { TM_CXL_OP_GET_DC_REGION_EXTENT_LISTS, "Get DC Region Extent Lists" },
        { TM_CXL_OP_INITIATE_DC_ADD, "Initiate Dynamic Capacity Add" },
        { TM_CXL_OP_INITIATE_DC_RELEASE, "Initiate Dynamic Capacity Release" },
        { TM_CXL_OP_DC_ADD_REFERENCE, "Dynamic Capacity Add Reference" },
        { TM_CXL_OP_DC_REMOVE_REFERENCE, "Dynamic Capacity Remove Reference" },
        { TM_CXL_OP_DC_LIST_TAGS, "Dynamic Capacity List Tags" },
        { TM_CXL_OP_EVENT_NOTIFICATION, "Event Notification" },
        { TM_CXL_OP_GET_EXTENT_MEMORY, "Get Extent Memory" },
        { TM_CXL_OP_READ_DPA, "Read DPA" },
        { TM_CXL_OP_WRITE_DPA, "Write DPA" },
        { TM_CXL_OP_GET_PENDING_OFFER, "Get Pending Offer" },
        { TM_CXL_OP_WITHDRAW_DC, "Withdraw Dynamic Capacity" },
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].opcode == opcode) {
            return names[i].name;
        }
    }
    return NULL;
}
