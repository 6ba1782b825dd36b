/* Run-time version queries, so a program can check the library it runs with. */
#include "core/core_int.h"

CRM_EXTERN(int) crm_version(void)
{
    return CRM_VERSION_NUMBER;
}

CRM_EXTERN(const char *) crm_version_string(void)
{
    return CRM_VERSION_STRING;
}

CRM_EXTERN(int) crm_version_check(int compiled_number)
{
    crmi_error_clear(NULL);
    int major = compiled_number / 10000;
    if (major != CRM_VERSION_MAJOR || compiled_number > CRM_VERSION_NUMBER)
        return crmi_error_thread(CRM_E_NOT_SUPPORTED,
                                 "program built against libcrm %d.%d.%d, running with %s",
                                 major, compiled_number / 100 % 100, compiled_number % 100,
                                 CRM_VERSION_STRING);
    return CRM_OK;
}
