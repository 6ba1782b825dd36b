/* Waiting for the write lock.
 *
 * SQLite lets one connection write at a time and leaves the others polling
 * (its busy handler sleeps, backing off to 100 ms between tries). With many
 * handles in one process that is unfair: a writer that keeps losing the
 * race times out although the lock changed hands hundreds of times, and
 * every poller costs a wake-up. So the writers of one process queue for a
 * database file in arrival order (a FIFO of waiters, each woken alone when
 * its turn comes), and only the head of each process's queue polls SQLite,
 * every millisecond or so (crmi_busy_wait), which keeps processes fair
 * among themselves. Both waits together stay within the handle's busy
 * timeout; after it the caller gets CRM_E_BUSY as before. */
#include "core/db_int.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

typedef struct writeq_waiter {
    pthread_cond_t wake;
    struct writeq_waiter *next;
} writeq_waiter;

/* One per database file a process writes; kept until the process ends. */
struct crmi_writeq {
    char *path;
    bool held;
    writeq_waiter *head, *tail;
    struct crmi_writeq *next;
};

static pthread_mutex_t writeq_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct crmi_writeq *writeqs;

static void deadline_after(struct timespec *t, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* The queue of `path`, made on first use; NULL when out of memory (the
 * handle then waits in SQLite alone). Called with writeq_mutex held. */
static struct crmi_writeq *queue_of(const char *path)
{
    struct crmi_writeq *q;
    for (q = writeqs; q; q = q->next)
        if (strcmp(q->path, path) == 0)
            return q;
    /* kept for the life of the process (reachable from writeqs) */
    if (!(q = crmi_calloc(1, sizeof *q)) || !(q->path = crmi_strdup(path))) {
        crm_free(q);
        return NULL;
    }
    q->next = writeqs;
    writeqs = q;
    return q;
}

static void unlink_head(struct crmi_writeq *q)
{
    q->head = q->head->next;
    if (!q->head)
        q->tail = NULL;
}

static void drop_waiter(struct crmi_writeq *q, writeq_waiter *w)
{
    writeq_waiter **p = &q->head, *prev = NULL;
    while (*p && *p != w)
        prev = *p, p = &(*p)->next;
    if (!*p)
        return;
    *p = w->next;
    if (q->tail == w)
        q->tail = prev;
    if (!q->held && q->head) /* the next one may go now */
        pthread_cond_signal(&q->head->wake);
}

/* Waits for the turn of this handle's writer; false after `timeout_ms`. */
static bool wait_turn(struct crmi_writeq *q, int timeout_ms)
{
    writeq_waiter w = {.next = NULL};
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    bool ok = pthread_cond_init(&w.wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return false;
    struct timespec deadline;
    deadline_after(&deadline, timeout_ms);
    if (q->tail)
        q->tail->next = &w;
    else
        q->head = &w;
    q->tail = &w;
    while (q->held || q->head != &w)
        if (pthread_cond_timedwait(&w.wake, &writeq_mutex, &deadline) == ETIMEDOUT &&
            (q->held || q->head != &w)) {
            drop_waiter(q, &w);
            ok = false;
            break;
        }
    if (ok) {
        unlink_head(q);
        q->held = true;
    }
    pthread_cond_destroy(&w.wake);
    return ok;
}

int crmi_writeq_enter(crm_db *db)
{
    const char *path = sqlite3_db_filename(db->sql, "main");
    if (!path || !*path) /* in-memory: private to the handle */
        return CRM_OK;
    pthread_mutex_lock(&writeq_mutex);
    struct crmi_writeq *q = db->writeq ? db->writeq : (db->writeq = queue_of(path));
    bool ok = true;
    db->busy_since_us = crmi_monotonic_us(); /* the SQLite wait that follows counts on */
    db->busy_queued = true;
    if (q && (q->held || q->head))
        ok = wait_turn(q, db->busy_timeout_ms);
    else if (q)
        q->held = true;
    db->writeq_held = ok && q;
    pthread_mutex_unlock(&writeq_mutex);
    return ok ? CRM_OK
              : crmi_error(db, CRM_E_BUSY,
                           "begin transaction: other writers of this process held "
                           "the database for %d ms",
                           db->busy_timeout_ms);
}

void crmi_writeq_leave(crm_db *db)
{
    if (!db->writeq_held)
        return;
    pthread_mutex_lock(&writeq_mutex);
    db->writeq->held = false;
    db->writeq_held = false;
    if (db->writeq->head)
        pthread_cond_signal(&db->writeq->head->wake);
    pthread_mutex_unlock(&writeq_mutex);
}

int64_t crmi_monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

int crmi_busy_wait(void *payload, int tries)
{
    crm_db *db = payload;
    int64_t now_us = crmi_monotonic_us();
    if (tries == 0 && !db->busy_queued)
        db->busy_since_us = now_us;
    if (now_us - db->busy_since_us >= (int64_t)db->busy_timeout_ms * 1000)
        return 0;
    /* 0.5 to 1.5 ms, so pollers of several processes do not move in step */
    struct timespec pause = {0, 500000L + (long)((unsigned)(now_us * 2654435761u) % 1000000u)};
    nanosleep(&pause, NULL);
    return 1;
}
