/* The complaint module's tables (migration listed in lib/schema.c). */
#include "core/db_int.h"

const char crmi_schema_complaint[] = "";
