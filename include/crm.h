/*
 * libcrm: an embeddable customer-marketing management library for banks.
 * The umbrella header: include this one.
 */
#ifndef CRM_H
#define CRM_H

#include "crm/core.h"
#include "crm/security.h"
#include "crm/access.h"
#include "crm/customer.h"
#include "crm/product.h"
#include "crm/search.h"
#include "crm/dataio.h"
#include "crm/rule.h"
#include "crm/tag.h"
#include "crm/segment.h"
#include "crm/risk.h"
#include "crm/analytics.h"
#include "crm/alert.h"
#include "crm/complaint.h"
#include "crm/kb.h"
#include "crm/report.h"
#include "crm/campaign.h"
#include "crm/outreach.h"

#endif /* CRM_H */
