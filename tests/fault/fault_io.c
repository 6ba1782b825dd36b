/* I/O-error injection: every scenario of tests/fault/scenarios.c runs with
 * the Nth xRead, xWrite, xSync or xTruncate of SQLite failing, N = 1, 2,
 * 3 ... until a run completes untouched. A shim VFS wraps the default one
 * (unix) and is made the default, forwarding every method, the WAL's
 * shared-memory ones included. A failing write reports SQLITE_FULL at even
 * N and SQLITE_IOERR_WRITE at odd N, so both paths are taken.
 * usage: fault_io [STRIDE [SCENARIO]]   (STRIDE: test every Nth point) */
#include "fault.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3_vfs *real_vfs;
static long countdown; /* 0: unarmed */
static long armed_at;
static bool fired;

/* Counts one I/O call; the code it must fail with, or SQLITE_OK. */
static int tick(int ioerr)
{
    if (countdown == 0 || --countdown != 0)
        return SQLITE_OK;
    fired = true;
    if (ioerr == SQLITE_IOERR_WRITE && armed_at % 2 == 0)
        return SQLITE_FULL;
    return ioerr;
}

typedef struct shim_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
} shim_file;

#define REAL(f) (((shim_file *)(f))->real)

static int shim_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
    return rc;
}

static int shim_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    int rc = tick(SQLITE_IOERR_READ);
    return rc ? rc : REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int shim_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    int rc = tick(SQLITE_IOERR_WRITE);
    return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    int rc = tick(SQLITE_IOERR_TRUNCATE);
    return rc ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    int rc = tick(SQLITE_IOERR_FSYNC);
    return rc ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int shim_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int shim_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int shim_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int shim_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int shim_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int shim_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int shim_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int shim_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int shim_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

/* No memory-mapped pages: every page read goes through shim_read, where a
 * failure can be injected (SQLite falls back to xRead on a NULL page). */
static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
    (void)f, (void)off, (void)n;
    *out = NULL;
    return SQLITE_OK;
}

static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods shim_methods = {
    3,
    shim_close,
    shim_read,
    shim_write,
    shim_truncate,
    shim_sync,
    shim_file_size,
    shim_lock,
    shim_unlock,
    shim_check_reserved,
    shim_file_control,
    shim_sector_size,
    shim_device_characteristics,
    shim_shm_map,
    shim_shm_lock,
    shim_shm_barrier,
    shim_shm_unmap,
    shim_fetch,
    shim_unfetch,
};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    shim_file *s = (shim_file *)f;
    s->real = (sqlite3_file *)(s + 1);
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
    /* SQLite calls xClose only when pMethods is set: mirror the real file. */
    s->base.pMethods = s->real->pMethods ? &shim_methods : NULL;
    return rc;
}

static int shim_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    (void)v;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int shim_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *shim_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void shim_dlerror(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    real_vfs->xDlError(real_vfs, n, out);
}

static void (*shim_dlsym(sqlite3_vfs *v, void *lib, const char *sym))(void)
{
    (void)v;
    return real_vfs->xDlSym(real_vfs, lib, sym);
}

static void shim_dlclose(sqlite3_vfs *v, void *lib)
{
    (void)v;
    real_vfs->xDlClose(real_vfs, lib);
}

static int shim_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int shim_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return real_vfs->xSleep(real_vfs, us);
}

static int shim_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int shim_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int shim_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int shim_set_syscall(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p)
{
    (void)v;
    return real_vfs->xSetSystemCall(real_vfs, name, p);
}

static sqlite3_syscall_ptr shim_get_syscall(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs->xGetSystemCall(real_vfs, name);
}

static const char *shim_next_syscall(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return real_vfs->xNextSystemCall(real_vfs, name);
}

static sqlite3_vfs shim_vfs = {
    3,
    0,
    0,
    NULL,
    "fault_io",
    NULL,
    shim_open,
    shim_delete,
    shim_access,
    shim_full_pathname,
    shim_dlopen,
    shim_dlerror,
    shim_dlsym,
    shim_dlclose,
    shim_randomness,
    shim_sleep,
    shim_current_time,
    shim_last_error,
    shim_current_time64,
    shim_set_syscall,
    shim_get_syscall,
    shim_next_syscall,
};

static void register_shim(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs || real_vfs->iVersion < 3) {
        fprintf(stderr, "fault_io: no version-3 default VFS to wrap\n");
        exit(2);
    }
    shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
    shim_vfs.mxPathname = real_vfs->mxPathname;
    if (sqlite3_vfs_register(&shim_vfs, 1) != SQLITE_OK)
        exit(2);
}

static void arm(long n)
{
    fired = false;
    armed_at = n;
    countdown = n;
}

static bool was_fired(void)
{
    return fired;
}

static void disarm(void)
{
    countdown = 0;
}

int main(int argc, char **argv)
{
    register_shim();
    long stride = argc > 1 ? atol(argv[1]) : 1;
    static const int expected[] = {CRM_E_IO};
    fault_injector inj = {.name = "fault_io",
                          .arm = arm,
                          .fired = was_fired,
                          .disarm = disarm,
                          .expected_codes = expected,
                          .n_expected_codes = 1};
    int broken = fault_run(&inj, 1, stride > 0 ? stride : 1, argc > 2 ? argv[2] : NULL);
    printf("fault_io: %d broken promises\n", broken);
    return broken ? 1 : 0;
}
