/* The built-in report definitions, in the same YAML a host writes
 * (docs/REPORTS.md). */
#include "report/report_int.h"

#define PRODUCT_TYPE_NAME                                                                            \
    "      CASE k.product_type WHEN 'deposit' THEN '存款' WHEN 'loan' THEN '贷款'\n"             \
    "        WHEN 'wealth' THEN '理财' WHEN 'fund' THEN '基金' WHEN 'insurance' THEN '保险'\n" \
    "        WHEN 'credit_card' THEN '信用卡' ELSE '其他' END AS product_type_name,\n"

/* Complaint reports over crm_v_complaint: a complaint belongs to the
 * period it was opened in (as crm_complaint_stats counts it), and the SLA
 * figures are the view's columns, defined once with lib/complaint. */
#define COMPLAINT_REPORTS                                                                            \
    "\n"                                                                                             \
    "- name: complaint-analysis\n"                                                                   \
    "  title: 投诉分析\n"                                                                        \
    "  title_en: Complaint analysis\n"                                                               \
    "  description: >-\n"                                                                            \
    "    Complaints and consultations opened in the period by category, channel, branch,\n"          \
    "    product and day (month when the period is longer than a month): volumes against\n"          \
    "    the previous period and last year, resolution within the deadline (SLA\n"                   \
    "    compliance), first response within its deadline, mean resolution time and\n"                \
    "    satisfaction.\n"                                                                            \
    "  group: dimension\n"                                                                           \
    "  key: [dimension, bucket]\n"                                                                   \
    "  sort: [-complaints, bucket]\n"                                                                \
    "  filters: [dimension, bucket]\n"                                                               \
    "  dataset: |\n"                                                                                 \
    "    WITH dims(dimension) AS (VALUES ('类别 Category'), ('渠道 Channel'),\n"                 \
    "      ('网点 Branch'), ('产品 Product'), ('日期 Date')),\n"                               \
    "    c AS (\n"                                                                                   \
    "      SELECT v.*, p.end_at - p.start_at > 32 * 86400 AS by_month\n"                             \
    "      FROM crm_v_complaint v, crm_v_period p\n"                                                 \
    "      WHERE v.opened_at >= p.start_at AND v.opened_at < p.end_at)\n"                            \
    "    SELECT d.dimension, CASE d.dimension WHEN '类别 Category' THEN c.category\n"              \
    "        WHEN '渠道 Channel' THEN CASE c.channel WHEN 'phone' THEN '电话'\n"                 \
    "          WHEN 'email' THEN '邮件' WHEN 'online' THEN '网上' WHEN 'branch' THEN '网点'\n" \
    "          WHEN 'social' THEN '社交媒体' WHEN 'regulator' THEN '监管转办'\n"             \
    "          ELSE c.channel END\n"                                                                 \
    "        WHEN '网点 Branch' THEN c.branch || ' ' || c.branch_name\n"                           \
    "        WHEN '产品 Product' THEN coalesce(c.product_code || ' ' || c.product_name,\n"         \
    "          '(无产品)')\n"                                                                     \
    "        ELSE strftime(CASE WHEN c.by_month THEN '%Y-%m' ELSE '%Y-%m-%d' END, c.opened_at,\n"    \
    "          'unixepoch') END AS bucket,\n"                                                        \
    "      count(*) AS complaints, sum(c.resolved_at IS NOT NULL) AS resolved,\n"                    \
    "      sum(c.sla_met) AS sla_met,\n"                                                             \
    "      CASE WHEN sum(c.resolved_at IS NOT NULL) > 0\n"                                           \
    "        THEN 100 * sum(c.sla_met) / sum(c.resolved_at IS NOT NULL) END AS "                     \
    "sla_compliance_pct,\n"                                                                          \
    "      count(c.first_response_at) AS responded,\n"                                               \
    "      CASE WHEN count(c.first_response_at) > 0\n"                                               \
    "        THEN 100 * sum(c.responded_in_time) / count(c.first_response_at) END\n"                 \
    "        AS first_response_pct,\n"                                                               \
    "      CAST(round(avg(c.resolution_minutes)) AS INTEGER) AS avg_resolution_minutes,\n"           \
    "      count(c.satisfaction) AS rated,\n"                                                        \
    "      CAST(round(avg(c.satisfaction) * 100) AS INTEGER) AS avg_satisfaction_x100\n"             \
    "    FROM dims d, c GROUP BY 1, 2\n"                                                             \
    "  columns:\n"                                                                                   \
    "    - {name: dimension, label: 维度, label_en: Dimension}\n"                                  \
    "    - {name: bucket, label: 分组, label_en: Group}\n"                                         \
    "    - {name: complaints, label: 投诉量, label_en: Complaints, type: int, compare: true}\n"   \
    "    - {name: resolved, label: 已解决, label_en: Resolved, type: int}\n"                      \
    "    - {name: sla_met, label: 按时解决, label_en: Resolved in time, type: int}\n"            \
    "    - {name: sla_compliance_pct, label: 解决达标率(%), label_en: SLA compliance (%),"      \
    " type: int}\n"                                                                                  \
    "    - {name: responded, label: 已响应, label_en: Responded, type: int}\n"                    \
    "    - {name: first_response_pct, label: 首次响应及时率(%),"                              \
    " label_en: First response in time (%), type: int}\n"                                            \
    "    - {name: avg_resolution_minutes, label: 平均解决时长(分钟),"                        \
    " label_en: Mean resolution (minutes), type: int}\n"                                             \
    "    - {name: rated, label: 评价数, label_en: Rated, type: int}\n"                            \
    "    - {name: avg_satisfaction_x100, label: 平均满意度×100,"                               \
    " label_en: Mean satisfaction x100, type: int}\n"                                                \
    "  charts:\n"                                                                                    \
    "    - {type: bar, label: bucket, value: complaints, title: 投诉量, title_en: Complaints}\n"  \
    "    - {type: bar, label: bucket, value: sla_compliance_pct, title: 解决达标率(%),"         \
    " title_en: SLA compliance (%)}\n"                                                               \
    "\n"                                                                                             \
    "- name: complaint-hotspots\n"                                                                   \
    "  title: 投诉热点\n"                                                                        \
    "  title_en: Complaint hotspots\n"                                                               \
    "  description: >-\n"                                                                            \
    "    The ten categories and the ten products with the most complaints opened in the\n"           \
    "    period, with the count of the previous period and the growth.\n"                            \
    "  group: dimension\n"                                                                           \
    "  key: [dimension, bucket]\n"                                                                   \
    "  sort: [rank]\n"                                                                               \
    "  filters: [dimension]\n"                                                                       \
    "  dataset: |\n"                                                                                 \
    "    WITH dims(dimension) AS (VALUES ('类别 Category'), ('产品 Product')),\n"                \
    "    c AS (\n"                                                                                   \
    "      SELECT v.category,\n"                                                                     \
    "        coalesce(v.product_code || ' ' || v.product_name, '(无产品)') AS product,\n"         \
    "        v.opened_at >= p.start_at AS current\n"                                                 \
    "      FROM crm_v_complaint v, crm_v_period p\n"                                                 \
    "      WHERE (v.opened_at >= p.start_at AND v.opened_at < p.end_at)\n"                           \
    "        OR (v.opened_at >= p.prev_start_at AND v.opened_at < p.prev_end_at)),\n"                \
    "    g AS (\n"                                                                                   \
    "      SELECT d.dimension, CASE d.dimension WHEN '类别 Category' THEN c.category\n"            \
    "          ELSE c.product END AS bucket,\n"                                                      \
    "        sum(c.current) AS complaints, sum(NOT c.current) AS complaints_before\n"                \
    "      FROM dims d, c GROUP BY 1, 2),\n"                                                         \
    "    r AS (\n"                                                                                   \
    "      SELECT *, row_number() OVER (PARTITION BY dimension\n"                                    \
    "        ORDER BY complaints DESC, complaints - complaints_before DESC, bucket) AS rank\n"       \
    "      FROM g WHERE complaints > 0)\n"                                                           \
    "    SELECT dimension, rank, bucket, complaints, complaints_before,\n"                           \
    "      complaints - complaints_before AS growth,\n"                                              \
    "      CASE WHEN complaints_before > 0\n"                                                        \
    "        THEN 100 * (complaints - complaints_before) / complaints_before END AS growth_pct\n"    \
    "    FROM r WHERE rank <= 10\n"                                                                  \
    "  columns:\n"                                                                                   \
    "    - {name: dimension, label: 维度, label_en: Dimension}\n"                                  \
    "    - {name: rank, label: 排名, label_en: Rank, type: int}\n"                                 \
    "    - {name: bucket, label: 分组, label_en: Group}\n"                                         \
    "    - {name: complaints, label: 本期投诉量, label_en: Complaints, type: int}\n"            \
    "    - {name: complaints_before, label: 上期投诉量, label_en: Previous period,"             \
    " type: int}\n"                                                                                  \
    "    - {name: growth, label: 增长, label_en: Growth, type: int}\n"                             \
    "    - {name: growth_pct, label: 增长率(%), label_en: Growth (%), type: int}\n"               \
    "  charts:\n"                                                                                    \
    "    - {type: bar, label: bucket, value: complaints, title: 本期投诉量,"                    \
    " title_en: Complaints}\n"                                                                       \
    "    - {type: bar, label: bucket, value: growth, title: 较上期增长,"                        \
    " title_en: Growth on the previous period}\n"

/* Campaign reports: the funnel from crm_v_campaign_target (the actor's
 * customers), the figures of the stored evaluation from crm_v_campaign and
 * crm_v_campaign_channel (read, never computed a second way); a campaign
 * belongs to the periods its window overlaps. */
#define CAMPAIGN_REPORTS                                                                                   \
    "\n"                                                                                                   \
    "- name: campaign-analysis\n"                                                                          \
    "  title: 营销活动分析\n"                                                                        \
    "  title_en: Campaign analysis\n"                                                                      \
    "  description: >-\n"                                                                                  \
    "    Campaigns active in the period: the funnel of the actor's customers (targeted,\n"                 \
    "    control, suppressed by reason, messages queued and sent, delivered, opened, clicked,\n"           \
    "    converted; flagged events never count), then the last stored evaluation of the whole\n"           \
    "    campaign: goal attainment, revenue, cost, ROI and the uplift against the control\n"               \
    "    group. Drills down to the channels.\n"                                                            \
    "  key: [campaign_code]\n"                                                                             \
    "  sort: [campaign_code]\n"                                                                            \
    "  filters: [campaign_code]\n"                                                                         \
    "  detail: {report: campaign-channels, key: [campaign_code]}\n"                                        \
    "  dataset: |\n"                                                                                       \
    "    WITH k AS (\n"                                                                                    \
    "      SELECT v.* FROM crm_v_campaign v, crm_v_period p\n"                                             \
    "      WHERE v.start_at < p.end_at AND (v.end_at IS NULL OR v.end_at >= p.start_at)),\n"               \
    "    t AS (\n"                                                                                         \
    "      SELECT campaign_code, sum(grp = 'target') AS targeted, sum(grp = 'control') AS "                \
    "control,\n"                                                                                           \
    "        sum(grp = 'suppressed') AS suppressed, sum(queued) AS queued, sum(sent) AS sent,\n"           \
    "        sum(grp = 'target' AND delivered) AS delivered,\n"                                            \
    "        sum(grp = 'target' AND opened) AS opened,\n"                                                  \
    "        sum(grp = 'target' AND clicked) AS clicked,\n"                                                \
    "        sum(grp = 'target' AND converted) AS converted\n"                                             \
    "      FROM crm_v_campaign_target WHERE campaign_code IN (SELECT campaign_code FROM k)\n"              \
    "      GROUP BY campaign_code),\n"                                                                     \
    "    r AS (\n"                                                                                         \
    "      SELECT campaign_code, group_concat(reason || ' ' || n, ', ') AS reasons\n"                      \
    "      FROM (SELECT campaign_code, CASE reason WHEN 'restricted' THEN '受限 restricted' WHEN "       \
    "'unsuitable' THEN '不适当 unsuitable' WHEN 'no_consent' THEN '未授权 no_consent' WHEN "         \
    "'opted_out' THEN '已退订 opted_out' WHEN 'frequency_cap' THEN '频次上限 frequency_cap' ELSE "  \
    "coalesce(reason, '未知') END AS reason, count(*) AS n\n"                                            \
    "        FROM crm_v_campaign_target\n"                                                                 \
    "        WHERE grp = 'suppressed' AND campaign_code IN (SELECT campaign_code FROM k)\n"                \
    "        GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2)\n"                                                       \
    "      GROUP BY campaign_code)\n"                                                                      \
    "    SELECT k.campaign_code, k.name, k.status, coalesce(t.targeted, 0) AS targeted,\n"                 \
    "      coalesce(t.control, 0) AS control, coalesce(t.suppressed, 0) AS suppressed,\n"                  \
    "      r.reasons AS suppressed_by_reason, coalesce(t.queued, 0) AS queued,\n"                          \
    "      coalesce(t.sent, 0) AS sent, coalesce(t.delivered, 0) AS delivered,\n"                          \
    "      coalesce(t.opened, 0) AS opened, coalesce(t.clicked, 0) AS clicked,\n"                          \
    "      coalesce(t.converted, 0) AS converted,\n"                                                       \
    "      CASE WHEN t.targeted > 0 THEN 100 * t.converted / t.targeted END AS conversion_pct,\n"          \
    "      strftime('%Y-%m-%dT%H:%M:%SZ', k.evaluated_at, 'unixepoch') AS evaluated_at,\n"                 \
    "      k.goals, k.goals_met, k.goal_attainment_bps, k.target_rate_bps, k.control_rate_bps,\n"          \
    "      k.uplift_bps, k.significant, k.revenue, k.cost, k.roi_bps\n"                                    \
    "    FROM k LEFT JOIN t ON t.campaign_code = k.campaign_code\n"                                        \
    "    LEFT JOIN r ON r.campaign_code = k.campaign_code\n"                                               \
    "  columns:\n"                                                                                         \
    "    - {name: campaign_code, label: 活动代码, label_en: Campaign}\n"                               \
    "    - {name: name, label: 活动名称, label_en: Name}\n"                                            \
    "    - {name: status, label: 状态, label_en: Status}\n"                                              \
    "    - {name: targeted, label: 目标客户, label_en: Targeted, type: int}\n"                         \
    "    - {name: control, label: 对照组, label_en: Control, type: int}\n"                              \
    "    - {name: suppressed, label: 屏蔽, label_en: Suppressed, type: int}\n"                           \
    "    - {name: suppressed_by_reason, label: 屏蔽原因, label_en: Suppressed by reason}\n"            \
    "    - {name: queued, label: 入队消息, label_en: Messages queued, type: int}\n"                    \
    "    - {name: sent, label: 已发送, label_en: Sent, type: int}\n"                                    \
    "    - {name: delivered, label: 已送达, label_en: Delivered, type: int}\n"                          \
    "    - {name: opened, label: 已打开, label_en: Opened, type: int}\n"                                \
    "    - {name: clicked, label: 已点击, label_en: Clicked, type: int}\n"                              \
    "    - {name: converted, label: 已转化, label_en: Converted, type: int}\n"                          \
    "    - {name: conversion_pct, label: 转化率(%), label_en: Conversion (%), type: int}\n"             \
    "    - {name: evaluated_at, label: 评估时间, label_en: Evaluated at}\n"                            \
    "    - {name: goals, label: 目标数, label_en: Goals, type: int}\n"                                  \
    "    - {name: goals_met, label: 已达成目标, label_en: Goals met, type: int}\n"                    \
    "    - {name: goal_attainment_bps, label: 最低目标达成(基点), label_en: Lowest goal "          \
    "attainment (bp), type: int}\n"                                                                        \
    "    - {name: target_rate_bps, label: 目标组转化率(基点), label_en: Target rate (bp), type: "  \
    "int}\n"                                                                                               \
    "    - {name: control_rate_bps, label: 对照组转化率(基点), label_en: Control rate (bp), "      \
    "type: int}\n"                                                                                         \
    "    - {name: uplift_bps, label: 提升(基点), label_en: Uplift (bp), type: int}\n"                  \
    "    - {name: significant, label: 显著(p<0.05), label_en: Significant (p<0.05), type: int}\n"        \
    "    - {name: revenue, label: 收入(元), label_en: Revenue (yuan), type: money}\n"                   \
    "    - {name: cost, label: 成本(元), label_en: Cost (yuan), type: money}\n"                         \
    "    - {name: roi_bps, label: 投资回报率(基点), label_en: ROI (bp), type: int}\n"               \
    "  charts:\n"                                                                                          \
    "    - {type: bar, label: campaign_code, value: converted, title: 转化客户, title_en: "            \
    "Converted}\n"                                                                                         \
    "    - {type: bar, label: campaign_code, value: uplift_bps, title: 较对照组提升(基点), "       \
    "title_en: Uplift (bp)}\n"                                                                             \
    "\n"                                                                                                   \
    "- name: campaign-channels\n"                                                                          \
    "  title: 营销活动渠道效果\n"                                                                  \
    "  title_en: Campaign channels\n"                                                                      \
    "  description: >-\n"                                                                                  \
    "    The detail of campaign-analysis: per campaign, the target group by channel (the\n"                \
    "    funnel of the actor's customers beside the stored evaluation's conversions and\n"                 \
    "    revenue of the channel), the control group, and the suppressed by reason.\n"                      \
    "  group: campaign_code\n"                                                                             \
    "  key: [campaign_code, grp, line]\n"                                                                  \
    "  sort: [-grp, -customers, line]\n"                                                                   \
    "  filters: [campaign_code, grp]\n"                                                                    \
    "  dataset: |\n"                                                                                       \
    "    WITH k AS (\n"                                                                                    \
    "      SELECT v.campaign_code FROM crm_v_campaign v, crm_v_period p\n"                                 \
    "      WHERE v.start_at < p.end_at AND (v.end_at IS NULL OR v.end_at >= p.start_at)),\n"               \
    "    t AS (\n"                                                                                         \
    "      SELECT *, CASE grp WHEN 'target' THEN coalesce(channel, 'none')\n"                              \
    "          WHEN 'suppressed' THEN reason ELSE '' END AS code\n"                                        \
    "      FROM crm_v_campaign_target WHERE campaign_code IN (SELECT campaign_code FROM k)),\n"            \
    "    f AS (\n"                                                                                         \
    "      SELECT campaign_code, grp, code, count(*) AS customers, sum(queued) AS queued,\n"               \
    "        sum(sent) AS sent, sum(delivered) AS delivered, sum(opened) AS opened,\n"                     \
    "        sum(clicked) AS clicked, sum(converted) AS converted\n"                                       \
    "      FROM t GROUP BY 1, 2, 3)\n"                                                                     \
    "    SELECT f.campaign_code, f.grp, CASE f.grp WHEN 'target' THEN CASE f.code WHEN 'sms' "             \
    "THEN '短信 sms' WHEN 'email' THEN '邮件 email' WHEN 'phone' THEN '电话 phone' ELSE '无渠道 " \
    "none' END\n"                                                                                          \
    "        WHEN 'suppressed' THEN CASE f.code WHEN 'restricted' THEN '受限 restricted' WHEN "          \
    "'unsuitable' THEN '不适当 unsuitable' WHEN 'no_consent' THEN '未授权 no_consent' WHEN "         \
    "'opted_out' THEN '已退订 opted_out' WHEN 'frequency_cap' THEN '频次上限 frequency_cap' ELSE "  \
    "coalesce(f.code, '未知') END ELSE '对照组 control' END AS line,\n"                               \
    "      f.customers, f.queued, f.sent, f.delivered, f.opened, f.clicked, f.converted,\n"                \
    "      CASE WHEN f.grp = 'target' THEN 100 * f.converted / f.customers END AS "                        \
    "conversion_pct,\n"                                                                                    \
    "      CASE WHEN f.sent > 0 THEN 100 * f.opened / f.sent END AS open_pct,\n"                           \
    "      CASE WHEN f.sent > 0 THEN 100 * f.clicked / f.sent END AS click_pct,\n"                         \
    "      c.conversions AS evaluated_conversions, c.rate_bps AS evaluated_rate_bps,\n"                    \
    "      c.revenue AS evaluated_revenue\n"                                                               \
    "    FROM f LEFT JOIN crm_v_campaign_channel c ON f.grp = 'target'\n"                                  \
    "      AND c.campaign_code = f.campaign_code AND c.channel = f.code\n"                                 \
    "  columns:\n"                                                                                         \
    "    - {name: campaign_code, label: 活动代码, label_en: Campaign}\n"                               \
    "    - {name: grp, label: 组别, label_en: Group}\n"                                                  \
    "    - {name: line, label: 渠道/原因, label_en: Channel or reason}\n"                              \
    "    - {name: customers, label: 客户数, label_en: Customers, type: int}\n"                          \
    "    - {name: queued, label: 入队消息, label_en: Messages queued, type: int}\n"                    \
    "    - {name: sent, label: 已发送, label_en: Sent, type: int}\n"                                    \
    "    - {name: delivered, label: 已送达, label_en: Delivered, type: int}\n"                          \
    "    - {name: opened, label: 已打开, label_en: Opened, type: int}\n"                                \
    "    - {name: clicked, label: 已点击, label_en: Clicked, type: int}\n"                              \
    "    - {name: converted, label: 已转化, label_en: Converted, type: int}\n"                          \
    "    - {name: conversion_pct, label: 转化率(%), label_en: Conversion (%), type: int}\n"             \
    "    - {name: open_pct, label: 打开率(%), label_en: Opened of sent (%), type: int}\n"               \
    "    - {name: click_pct, label: 点击率(%), label_en: Clicked of sent (%), type: int}\n"             \
    "    - {name: evaluated_conversions, label: 评估转化数, label_en: Evaluated conversions, "        \
    "type: int}\n"                                                                                         \
    "    - {name: evaluated_rate_bps, label: 评估转化率(基点), label_en: Evaluated rate (bp), "     \
    "type: int}\n"                                                                                         \
    "    - {name: evaluated_revenue, label: 评估收入(元), label_en: Evaluated revenue (yuan), "       \
    "type: money}\n"                                                                                       \
    "  charts:\n"                                                                                          \
    "    - {type: bar, label: line, value: customers, title: 客户数, title_en: Customers}\n"            \
    "    - {type: bar, label: line, value: converted, title: 已转化, title_en: Converted}\n"

const char crmi_report_builtins[] =
    "- name: customer-analysis\n"
    "  title: 客户分析\n"
    "  title_en: Customer analysis\n"
    "  description: >-\n"
    "    Customers by age band, gender, province, risk level and value tier (the last\n"
    "    stored score) at the end of the period, with the new customers (growth) and the\n"
    "    relationships ended during it (churn).\n"
    "  group: dimension\n"
    "  key: [dimension, bucket]\n"
    "  sort: [-customers, bucket]\n"
    "  filters: [dimension]\n"
    "  dataset: |\n"
    "    WITH c AS (\n"
    "      SELECT v.age_band, v.gender, v.province, v.risk_level, v.value_tier,\n"
    "        v.created_at < p.end_at AND (v.ended_at IS NULL OR v.ended_at >= p.end_at) AS "
    "active,\n"
    "        v.created_at >= p.start_at AND v.created_at < p.end_at AS is_new,\n"
    "        coalesce(v.ended_at >= p.start_at AND v.ended_at < p.end_at, 0) AS ended\n"
    "      FROM crm_v_customer v, crm_v_period p),\n"
    "    d AS (\n"
    "      SELECT '年龄段 Age band' AS dimension, age_band AS bucket, active, is_new, ended FROM "
    "c\n"
    "      UNION ALL SELECT '性别 Gender', CASE gender WHEN 'M' THEN '男' WHEN 'F' THEN '女'\n"
    "        ELSE '未知' END, active, is_new, ended FROM c\n"
    "      UNION ALL SELECT '省份 Province', coalesce(province, '未知'), active, is_new, ended "
    "FROM c\n"
    "      UNION ALL SELECT '风险等级 Risk level', coalesce(risk_level, '未评估'), active, "
    "is_new,\n"
    "        ended FROM c\n"
    "      UNION ALL SELECT '价值等级 Value tier', CASE value_tier WHEN 'ordinary' THEN '普通'\n"
    "        WHEN 'gold' THEN '金卡' WHEN 'platinum' THEN '白金' WHEN 'diamond' THEN '钻石'\n"
    "        ELSE '未评分' END, active, is_new, ended FROM c)\n"
    "    SELECT dimension, bucket, sum(active) AS customers, sum(is_new) AS new_customers,\n"
    "      sum(ended) AS ended_customers\n"
    "    FROM d GROUP BY dimension, bucket\n"
    "  columns:\n"
    "    - {name: dimension, label: 维度, label_en: Dimension}\n"
    "    - {name: bucket, label: 分组, label_en: Group}\n"
    "    - {name: customers, label: 客户数, label_en: Customers, type: int, compare: true}\n"
    "    - {name: new_customers, label: 新增客户, label_en: New customers, type: int,"
    " compare: true}\n"
    "    - {name: ended_customers, label: 流失客户, label_en: Ended relationships, type: int,"
    " compare: true}\n"
    "  charts:\n"
    "    - {type: pie, label: bucket, value: customers, title: 客户分布, title_en: Customers}\n"
    "    - {type: bar, label: bucket, value: new_customers, title: 新增客户,"
    " title_en: New customers}\n"
    "\n"
    "- name: business-statistics\n"
    "  title: 业务统计\n"
    "  title_en: Business statistics\n"
    "  description: >-\n"
    "    Holdings and balances (now) and transaction counts and volumes (in the period) by\n"
    "    branch and product type: deposits, loans, wealth, funds, insurance, cards.\n"
    "  group: branch_name\n"
    "  key: [branch, product_type]\n"
    "  sort: [branch, product_type]\n"
    "  filters: [branch, product_type]\n"
    "  detail: {report: business-products, key: [branch, product_type]}\n"
    "  dataset: |\n"
    "    WITH h AS (\n"
    "      SELECT branch, branch_name, product_type, count(*) AS holdings, sum(balance) AS "
    "balance\n"
    "      FROM crm_v_holding GROUP BY branch, product_type),\n"
    "    t AS (\n"
    "      SELECT branch, branch_name, product_type, count(*) AS txn_count,\n"
    "        sum(amount) AS txn_volume\n"
    "      FROM crm_v_txn, crm_v_period p WHERE at >= p.start_at AND at < p.end_at\n"
    "      GROUP BY branch, product_type),\n"
    "    k AS (SELECT branch, branch_name, product_type FROM h\n"
    "      UNION SELECT branch, branch_name, product_type FROM t)\n"
    "    SELECT k.branch, k.branch_name, k.product_type,\n" PRODUCT_TYPE_NAME
    "      coalesce(h.holdings, 0) AS holdings, coalesce(h.balance, 0) AS balance,\n"
    "      coalesce(t.txn_count, 0) AS txn_count, coalesce(t.txn_volume, 0) AS txn_volume\n"
    "    FROM k LEFT JOIN h ON h.branch = k.branch AND h.product_type = k.product_type\n"
    "    LEFT JOIN t ON t.branch = k.branch AND t.product_type = k.product_type\n"
    "  columns:\n"
    "    - {name: branch, label: 网点代码, label_en: Branch}\n"
    "    - {name: branch_name, label: 网点, label_en: Branch name}\n"
    "    - {name: product_type, label: 产品类型代码, label_en: Product type}\n"
    "    - {name: product_type_name, label: 产品类型, label_en: Product type name}\n"
    "    - {name: holdings, label: 持有户数, label_en: Holdings, type: int}\n"
    "    - {name: balance, label: 余额(元), label_en: Balance (yuan), type: money}\n"
    "    - {name: txn_count, label: 交易笔数, label_en: Transactions, type: int, compare: true}\n"
    "    - {name: txn_volume, label: 交易金额(元), label_en: Volume (yuan), type: money,"
    " compare: true}\n"
    "  charts:\n"
    "    - {type: pie, label: product_type_name, value: balance, title: 余额构成,"
    " title_en: Balance by product type}\n"
    "    - {type: bar, label: product_type_name, value: txn_volume, title: 交易金额,"
    " title_en: Volume by product type}\n"
    "\n"
    "- name: business-products\n"
    "  title: 业务统计明细(产品)\n"
    "  title_en: Business statistics by product\n"
    "  description: Holdings, balances and the period's transactions per branch and product.\n"
    "  key: [branch, product_code]\n"
    "  sort: [branch, product_type, product_code]\n"
    "  filters: [branch, product_type, product_code]\n"
    "  dataset: |\n"
    "    WITH h AS (\n"
    "      SELECT branch, branch_name, product_type, product_code, product_name,\n"
    "        count(*) AS holders, sum(balance) AS balance\n"
    "      FROM crm_v_holding GROUP BY branch, product_code),\n"
    "    t AS (\n"
    "      SELECT branch, branch_name, product_type, product_code, product_name,\n"
    "        count(*) AS txn_count, sum(amount) AS txn_volume\n"
    "      FROM crm_v_txn, crm_v_period p WHERE at >= p.start_at AND at < p.end_at\n"
    "      GROUP BY branch, product_code),\n"
    "    k AS (SELECT branch, branch_name, product_type, product_code, product_name FROM h\n"
    "      UNION SELECT branch, branch_name, product_type, product_code, product_name FROM t)\n"
    "    SELECT k.branch, k.branch_name, k.product_type, k.product_code, k.product_name,\n"
    "      coalesce(h.holders, 0) AS holders, coalesce(h.balance, 0) AS balance,\n"
    "      coalesce(t.txn_count, 0) AS txn_count, coalesce(t.txn_volume, 0) AS txn_volume\n"
    "    FROM k LEFT JOIN h ON h.branch = k.branch AND h.product_code IS k.product_code\n"
    "    LEFT JOIN t ON t.branch = k.branch AND t.product_code IS k.product_code\n"
    "  columns:\n"
    "    - {name: branch, label: 网点代码, label_en: Branch}\n"
    "    - {name: branch_name, label: 网点, label_en: Branch name}\n"
    "    - {name: product_type, label: 产品类型代码, label_en: Product type}\n"
    "    - {name: product_code, label: 产品代码, label_en: Product}\n"
    "    - {name: product_name, label: 产品名称, label_en: Product name}\n"
    "    - {name: holders, label: 持有户数, label_en: Holders, type: int}\n"
    "    - {name: balance, label: 余额(元), label_en: Balance (yuan), type: money}\n"
    "    - {name: txn_count, label: 交易笔数, label_en: Transactions, type: int}\n"
    "    - {name: txn_volume, label: 交易金额(元), label_en: Volume (yuan), type: money,"
    " compare: true}\n"
    "\n"
    "- name: rm-performance\n"
    "  title: 客户经理业绩\n"
    "  title_en: Relationship manager performance\n"
    "  description: >-\n"
    "    Per relationship manager: customers in the book, new customers, assets under\n"
    "    management (deposit, wealth, fund and insurance balances), the period's\n"
    "    transactions, and the leads given in the period with their outcome so far\n"
    "    (contacted, converted, the converted amount).\n"
    "  key: [manager]\n"
    "  sort: [-aum, manager]\n"
    "  filters: [manager, branch]\n"
    "  dataset: |\n"
    "    WITH c AS (\n"
    "      SELECT manager, manager_name, min(branch) AS branch, count(*) AS customers,\n"
    "        sum(created_at >= p.start_at) AS new_customers\n"
    "      FROM crm_v_customer, crm_v_period p\n"
    "      WHERE manager IS NOT NULL AND created_at < p.end_at GROUP BY manager),\n"
    "    a AS (\n"
    "      SELECT manager, sum(balance) AS aum FROM crm_v_holding\n"
    "      WHERE manager IS NOT NULL AND product_type IN ('deposit', 'wealth', 'fund', "
    "'insurance')\n"
    "      GROUP BY manager),\n"
    "    t AS (\n"
    "      SELECT manager, count(*) AS txn_count, sum(amount) AS txn_volume\n"
    "      FROM crm_v_txn, crm_v_period p\n"
    "      WHERE manager IS NOT NULL AND at >= p.start_at AND at < p.end_at GROUP BY manager),\n"
    "    l AS (\n"
    "      SELECT manager, count(*) AS leads, sum(status <> 'open') AS contacted,\n"
    "        sum(status = 'converted') AS converted,\n"
    "        sum(CASE WHEN status = 'converted' THEN coalesce(amount, 0) END) AS converted_amount\n"
    "      FROM crm_v_lead, crm_v_period p\n"
    "      WHERE created_at >= p.start_at AND created_at < p.end_at GROUP BY manager)\n"
    "    SELECT c.manager, c.manager_name, c.branch, c.customers, c.new_customers,\n"
    "      coalesce(a.aum, 0) AS aum, coalesce(t.txn_count, 0) AS txn_count,\n"
    "      coalesce(t.txn_volume, 0) AS txn_volume, coalesce(l.leads, 0) AS leads,\n"
    "      coalesce(l.contacted, 0) AS leads_contacted, coalesce(l.converted, 0) AS conversions,\n"
    "      CASE WHEN l.leads > 0 THEN 100 * l.converted / l.leads END AS conversion_pct,\n"
    "      coalesce(l.converted_amount, 0) AS converted_amount\n"
    "    FROM c LEFT JOIN a ON a.manager = c.manager LEFT JOIN t ON t.manager = c.manager\n"
    "    LEFT JOIN l ON l.manager = c.manager\n"
    "  columns:\n"
    "    - {name: manager, label: 客户经理, label_en: Manager}\n"
    "    - {name: manager_name, label: 姓名, label_en: Name}\n"
    "    - {name: branch, label: 网点, label_en: Branch}\n"
    "    - {name: customers, label: 管户数, label_en: Customers, type: int}\n"
    "    - {name: new_customers, label: 新增客户, label_en: New customers, type: int}\n"
    "    - {name: aum, label: 管理资产(元), label_en: AUM (yuan), type: money}\n"
    "    - {name: txn_count, label: 交易笔数, label_en: Transactions, type: int}\n"
    "    - {name: txn_volume, label: 交易金额(元), label_en: Volume (yuan), type: money,"
    " compare: true}\n"
    "    - {name: leads, label: 商机数, label_en: Leads, type: int}\n"
    "    - {name: leads_contacted, label: 已跟进, label_en: Contacted, type: int}\n"
    "    - {name: conversions, label: 成交数, label_en: Conversions, type: int}\n"
    "    - {name: conversion_pct, label: 转化率(%), label_en: Conversion (%), type: int}\n"
    "    - {name: converted_amount, label: 成交金额(元), label_en: Converted (yuan),"
    " type: money}\n"
    "  charts:\n"
    "    - {type: bar, label: manager_name, value: aum, title: 管理资产, title_en: AUM}\n"
    "    - {type: bar, label: manager_name, value: conversions, title: 成交数,"
    " title_en: Conversions}\n" COMPLAINT_REPORTS CAMPAIGN_REPORTS;
