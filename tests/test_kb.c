/* The knowledge base: articles in, Chinese full-text search, answers with
 * a confidence on the labelled question set of examples/kb (top-1 accuracy
 * printed and asserted), hand-off of low-confidence questions to a person,
 * suggestions for complaints and case articles proposed on close. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The threshold below which the tests hand a question to a person. */
#define MIN_CONFIDENCE 0.20

/* A file of the source tree, found from this file's path. */
static char *source_file(const char *relative)
{
    const char *self = __FILE__;
    const char *tests = strstr(self, "tests/test_kb.c");
    size_t root = tests ? (size_t)(tests - self) : 0;
    char *path = malloc(root + strlen(relative) + 1);
    ck_assert_ptr_nonnull(path);
    memcpy(path, self, root);
    strcpy(path + root, relative);
    return path;
}

static char *slurp(const char *relative, size_t *len)
{
    char *path = source_file(relative);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    free(path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return text;
}

static crm_db *kb_bank(void)
{
    crm_db *db = test_open_admin(":memory:");
    ck_assert_ok(crm_branch_add(db, "BJ", "北京分行", "HO"));
    test_add_user(db, "kf.a", "complaint_handler", "BJ");
    test_add_user(db, "aud", "auditor", "HO");
    size_t len;
    char *text = slurp("examples/kb/articles.yaml", &len);
    int64_t count = 0;
    int rc = crm_kb_import(&count, db, text, len);
    ck_assert_msg(rc == CRM_OK, "import: %s", crm_db_errmsg(db));
    ck_assert_int_ge(count, 20);
    free(text);
    return db;
}

static const char *text_of(const crm_record *r, const char *field)
{
    const char *v = NULL;
    return crm_record_get_text(&v, r, field) == CRM_OK ? v : "";
}

static int64_t int_of(const crm_record *r, const char *field)
{
    int64_t v = -1;
    crm_record_get_int(&v, r, field);
    return v;
}

static char *first_hit(crm_db *db, const char *query)
{
    crm_iter *it;
    const crm_record *r;
    ck_assert_ok(crm_kb_search(&it, db, query, 5));
    char *code = crm_iter_next(&r, it) == CRM_OK ? strdup(text_of(r, "code")) : NULL;
    crm_iter_free(it);
    return code;
}

START_TEST(search_finds_chinese_text_by_bm25)
{
    crm_db *db = kb_bank();
    char *code = first_hit(db, "挂失");
    ck_assert_str_eq(code, "CARD-LOSS");
    free(code);
    code = first_hit(db, "U盾证书");
    ck_assert_str_eq(code, "UKEY");
    free(code);
    code = first_hit(db, "ATM");
    ck_assert_str_eq(code, "ATM-CARD");
    free(code);
    /* nothing searchable: no rows, not an error */
    ck_assert_ptr_null(first_hit(db, "？！"));
    crm_iter *it;
    ck_assert_int_eq(crm_kb_search(&it, db, "挂失", 0), CRM_E_INVALID_ARG);
    crm_db_close(db);
}
END_TEST

typedef struct question {
    char code[64];
    char text[512];
} question;

static int load_questions(question *qs, int max)
{
    size_t len;
    char *text = slurp("examples/kb/questions.tsv", &len);
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = '\0';
        snprintf(qs[n].code, sizeof qs[n].code, "%s", line);
        snprintf(qs[n].text, sizeof qs[n].text, "%s", tab + 1);
        n++;
    }
    free(text);
    return n;
}

START_TEST(answers_labelled_questions_top1_at_least_80_percent)
{
    crm_db *db = kb_bank();
    static question qs[200];
    int n = load_questions(qs, 200), labelled = 0, right = 0, low = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(qs[i].code, "-") == 0)
            continue;
        crm_record *a;
        double conf = -1;
        ck_assert_ok(crm_kb_answer(&a, &conf, db, qs[i].text, MIN_CONFIDENCE, NULL));
        ck_assert(conf >= 0.0 && conf <= 1.0);
        ck_assert_int_eq(int_of(a, "confidence_pct"), (int64_t)(conf * 100 + 0.5));
        labelled++;
        bool hit = strcmp(text_of(a, "code"), qs[i].code) == 0;
        right += hit;
        low += conf < MIN_CONFIDENCE;
        if (getenv("KB_VERBOSE"))
            printf("  %.2f %s\n", conf, qs[i].text);
        if (!hit)
            printf("  miss: %s -> %s (expected %s, confidence %.2f)\n", qs[i].text,
                   text_of(a, "code"), qs[i].code, conf);
        crm_record_free(a);
    }
    double accuracy = (double)right / labelled;
    printf("kb answers: %d labelled questions over the examples/kb articles: top-1 accuracy "
           "%.1f%% (%d right), %d below confidence %.2f\n",
           labelled, 100 * accuracy, right, low, MIN_CONFIDENCE);
    ck_assert_int_ge(labelled, 50);
    ck_assert_msg(accuracy >= 0.80, "top-1 accuracy %.3f is below 0.80", accuracy);
    crm_db_close(db);
}
END_TEST

static crm_record *handoff_contact(void)
{
    crm_record *h;
    ck_assert_ok(crm_record_new(&h));
    ck_assert_ok(crm_record_set_text(h, "channel", "online"));
    ck_assert_ok(crm_record_set_text(h, "contact_name", "王小明"));
    ck_assert_ok(crm_record_set_text(h, "contact_phone", "13800138000"));
    return h;
}

START_TEST(low_confidence_questions_are_handed_off)
{
    crm_db *db = kb_bank();
    static question qs[200];
    int n = load_questions(qs, 200), off_topic = 0, handed = 0;
    crm_record *h = handoff_contact();
    for (int i = 0; i < n; i++) {
        if (strcmp(qs[i].code, "-") != 0)
            continue;
        off_topic++;
        crm_record *a;
        double conf;
        ck_assert_ok(crm_kb_answer(&a, &conf, db, qs[i].text, MIN_CONFIDENCE, h));
        ck_assert_msg(int_of(a, "answered") == 0, "answered %s with %s at %.2f", qs[i].text,
                      text_of(a, "code"), conf);
        const char *ticket = text_of(a, "handoff_ticket");
        printf("  handed off (confidence %.2f): %s -> %s\n", conf, qs[i].text, ticket);
        ck_assert_msg(strncmp(ticket, "ZX", 2) == 0, "no consultation ticket for %s", qs[i].text);
        crm_record *t;
        ck_assert_ok(crm_complaint_get(&t, db, ticket));
        ck_assert_str_eq(text_of(t, "kind"), "consultation");
        ck_assert_str_eq(text_of(t, "body"), qs[i].text);
        ck_assert_str_eq(text_of(t, "contact_phone"), "138****8000");
        crm_record_free(t);
        handed++;
        crm_record_free(a);
    }
    ck_assert_int_ge(off_topic, 5);
    ck_assert_int_eq(handed, off_topic);
    /* a confident answer opens nothing */
    crm_record *a;
    ck_assert_ok(crm_kb_answer(&a, NULL, db, "银行卡丢了怎么挂失", MIN_CONFIDENCE, h));
    ck_assert_int_eq(int_of(a, "answered"), 1);
    ck_assert_int_eq(crm_record_type(a, "handoff_ticket"), CRM_TYPE_NULL);
    ck_assert_str_eq(text_of(a, "code"), "CARD-LOSS");
    ck_assert(strstr(text_of(a, "body"), "挂失") != NULL);
    crm_record_free(a);
    ck_assert_int_eq(crm_kb_answer(&a, NULL, db, "", 0.4, NULL), CRM_E_INVALID_ARG);
    ck_assert_int_eq(crm_kb_answer(&a, NULL, db, "挂失", 1.5, NULL), CRM_E_INVALID_ARG);
    /* an auditor may ask, but may not open tickets */
    ck_assert_ok(crm_db_set_actor(db, "aud"));
    ck_assert_int_eq(crm_kb_answer(&a, NULL, db, "明天北京会下雨吗", MIN_CONFIDENCE, h),
                     CRM_E_PERMISSION);
    ck_assert_ok(crm_kb_answer(&a, NULL, db, "明天北京会下雨吗", MIN_CONFIDENCE, NULL));
    ck_assert_int_eq(int_of(a, "answered"), 0);
    crm_record_free(a);
    crm_record_free(h);
    crm_db_close(db);
}
END_TEST

static crm_record *article(const char *code, const char *title, const char *body)
{
    crm_record *r;
    ck_assert_ok(crm_record_new(&r));
    ck_assert_ok(crm_record_set_text(r, "code", code));
    ck_assert_ok(crm_record_set_text(r, "title", title));
    ck_assert_ok(crm_record_set_text(r, "body", body));
    return r;
}

START_TEST(add_get_list_validate_and_access)
{
    crm_db *db = kb_bank();
    crm_record *r = article("GOLD", "积存金业务说明", "积存金按克购买，可随时赎回。");
    ck_assert_ok(crm_record_set_text(r, "tags", "黄金,积存金"));
    ck_assert_ok(crm_kb_add(db, r));
    ck_assert_int_eq(crm_kb_add(db, r), CRM_E_CONFLICT);
    ck_assert_ok(crm_record_set_text(r, "kind", "blog"));
    ck_assert_ok(crm_record_set_text(r, "code", "GOLD2"));
    ck_assert_int_eq(crm_kb_add(db, r), CRM_E_INVALID_DATA);
    ck_assert(strstr(crm_db_errmsg(db), "field kind") != NULL);
    ck_assert_ok(crm_record_set_text(r, "kind", "faq"));
    ck_assert_ok(crm_record_set_text(r, "code", "bad code!"));
    ck_assert_int_eq(crm_kb_add(db, r), CRM_E_INVALID_DATA);
    ck_assert(strstr(crm_db_errmsg(db), "field code") != NULL);
    crm_record_free(r);

    crm_record *g;
    ck_assert_ok(crm_kb_get(&g, db, "GOLD"));
    ck_assert_str_eq(text_of(g, "status"), "published");
    ck_assert_str_eq(text_of(g, "kind"), "faq");
    ck_assert_str_eq(text_of(g, "tags"), "黄金,积存金");
    crm_record_free(g);
    char *hit = first_hit(db, "积存金怎么买");
    ck_assert_str_eq(hit, "GOLD");
    free(hit);
    ck_assert_int_eq(crm_kb_get(&g, db, "NOPE"), CRM_E_NOT_FOUND);

    crm_record *f;
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "kind", "policy"));
    ck_assert_ok(crm_kb_list(&it, db, f));
    int policies = 0;
    while (crm_iter_next(&row, it) == CRM_OK) {
        ck_assert_str_eq(text_of(row, "kind"), "policy");
        policies++;
    }
    crm_iter_free(it);
    ck_assert_int_ge(policies, 5);
    ck_assert_ok(crm_record_set_text(f, "colour", "red"));
    ck_assert_int_eq(crm_kb_list(&it, db, f), CRM_E_INVALID_ARG);
    crm_record_free(f);

    /* the audit log has the additions */
    ck_assert_ok(crm_record_new(&f));
    ck_assert_ok(crm_record_set_text(f, "action", "kb.add"));
    ck_assert_ok(crm_audit_list(&it, db, f));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_str_eq(text_of(row, "entity_id"), "GOLD");
    crm_iter_free(it);
    crm_record_free(f);

    ck_assert_ok(crm_db_set_actor(db, "aud"));
    ck_assert_ok(crm_kb_get(&g, db, "GOLD"));
    crm_record_free(g);
    r = article("X1", "标题", "正文");
    ck_assert_int_eq(crm_kb_add(db, r), CRM_E_PERMISSION);
    crm_record_free(r);
    crm_db_close(db);
}
END_TEST

START_TEST(import_names_the_bad_article_and_keeps_nothing)
{
    crm_db *db = test_open_admin(":memory:");
    const char *doc = "- {code: A1, title: 第一篇, body: 内容一}\n"
                      "- {code: A2, title: 第二篇}\n";
    int64_t n = -1;
    ck_assert_int_eq(crm_kb_import(&n, db, doc, strlen(doc)), CRM_E_INVALID_DATA);
    ck_assert(strstr(crm_db_errmsg(db), "article 2") != NULL);
    ck_assert(strstr(crm_db_errmsg(db), "body") != NULL);
    crm_record *g;
    ck_assert_int_eq(crm_kb_get(&g, db, "A1"), CRM_E_NOT_FOUND);
    const char *bad = "articles: [";
    ck_assert_int_eq(crm_kb_import(&n, db, bad, strlen(bad)), CRM_E_INVALID_DATA);
    /* re-import replaces by code */
    const char *v1 = "- {code: A1, title: 旧标题, body: 旧内容, tags: [甲, 乙]}\n";
    const char *v2 = "- {code: A1, title: 新标题, body: 新内容}\n";
    ck_assert_ok(crm_kb_import(&n, db, v1, strlen(v1)));
    ck_assert_ok(crm_kb_get(&g, db, "A1"));
    ck_assert_str_eq(text_of(g, "tags"), "甲,乙");
    crm_record_free(g);
    ck_assert_ok(crm_kb_import(&n, db, v2, strlen(v2)));
    ck_assert_int_eq(n, 1);
    ck_assert_ok(crm_kb_get(&g, db, "A1"));
    ck_assert_str_eq(text_of(g, "title"), "新标题");
    crm_record_free(g);
    /* one index row per article: the old text left the index */
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_kb_search(&it, db, "内容", 10));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_ITER_DONE);
    crm_iter_free(it);
    char *hit = first_hit(db, "新内容");
    ck_assert_str_eq(hit, "A1");
    free(hit);
    crm_db_close(db);
}
END_TEST

static char *open_complaint(crm_db *db, const char *category, const char *subject, const char *body)
{
    crm_record *c;
    ck_assert_ok(crm_record_new(&c));
    ck_assert_ok(crm_record_set_text(c, "channel", "phone"));
    ck_assert_ok(crm_record_set_text(c, "category", category));
    ck_assert_ok(crm_record_set_text(c, "subject", subject));
    ck_assert_ok(crm_record_set_text(c, "body", body));
    char *ticket = NULL;
    int rc = crm_complaint_open(&ticket, db, c);
    ck_assert_msg(rc == CRM_OK, "open: %s", crm_db_errmsg(db));
    crm_record_free(c);
    return ticket;
}

START_TEST(suggestions_and_case_proposals)
{
    crm_db *db = kb_bank();
    char *ticket = open_complaint(db, "transfer", "跨行转账未到账",
                                  "昨天给他行账户汇款五万元，到现在还没有到账，也没有退回。");
    crm_iter *it;
    const crm_record *row;
    ck_assert_ok(crm_kb_suggest(&it, db, ticket, 3));
    ck_assert_int_eq(crm_iter_next(&row, it), CRM_OK);
    ck_assert_str_eq(text_of(row, "code"), "TRANSFER-DELAY");
    ck_assert_int_gt(int_of(row, "score_x1000"), 0);
    crm_iter_free(it);
    ck_assert_int_eq(crm_kb_suggest(&it, db, "TS000", 3), CRM_E_NOT_FOUND);

    /* closing a resolved complaint proposes it as a case, unpublished */
    ck_assert_ok(crm_complaint_assign(db, ticket, "kf.a", NULL));
    ck_assert_ok(crm_complaint_transition(
        db, ticket, "resolved", "收款行账号有误，汇款已于次日退回原账户，已电话告知客户"));
    ck_assert_ok(crm_complaint_transition(db, ticket, "closed", NULL));
    char code[64];
    snprintf(code, sizeof code, "CASE-%s", ticket);
    crm_record *g;
    char *hit;
    ck_assert_ok(crm_kb_get(&g, db, code));
    ck_assert_str_eq(text_of(g, "status"), "proposed");
    ck_assert_str_eq(text_of(g, "kind"), "case");
    ck_assert_str_eq(text_of(g, "source_ticket"), ticket);
    ck_assert(strstr(text_of(g, "body"), "汇款已于次日退回") != NULL);
    crm_record_free(g);
    hit = first_hit(db, "电话告知客户");
    ck_assert_str_ne(hit, code);
    free(hit);
    ck_assert_ok(crm_kb_publish(db, code));
    ck_assert_int_eq(crm_kb_publish(db, code), CRM_E_STATE);
    hit = first_hit(db, "电话告知客户");
    ck_assert_str_eq(hit, code);
    free(hit);
    free(ticket);
    crm_db_close(db);
}
END_TEST

static Suite *kb_suite(void)
{
    Suite *s = suite_create("kb");
    TCase *tc = tcase_create("kb");
    tcase_add_test(tc, search_finds_chinese_text_by_bm25);
    tcase_add_test(tc, answers_labelled_questions_top1_at_least_80_percent);
    tcase_add_test(tc, low_confidence_questions_are_handed_off);
    tcase_add_test(tc, add_get_list_validate_and_access);
    tcase_add_test(tc, import_names_the_bad_article_and_keeps_nothing);
    tcase_add_test(tc, suggestions_and_case_proposals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(kb_suite());
}
