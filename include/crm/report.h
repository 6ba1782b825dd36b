/*
 * libcrm reports: customer, business, campaign and complaint reports for a
 * day up to a year, as CSV, JSON, HTML with charts, XLSX and PDF.
 */
#ifndef CRM_REPORT_H
#define CRM_REPORT_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRM_REPORT_H */
