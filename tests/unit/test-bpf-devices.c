/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device access on cgroup v2, for real, on this machine's unified hierarchy: a test cgroup gets a device
 * program like a runtime's (written out by hand here, independently of the library's encoder), a
 * process moved into it tries open() and mknod(), and the hook's change must leave it allowed exactly
 * what it was plus the injected devices, read and write only, with one program still attached.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "bpf-devices.h"
#include "tap.h"

#define UNIFIED "/sys/fs/cgroup/unified"

#define I(c, d, s, o, i) \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/*
 * The stand-in for a runtime's program: allow c 1:3 (null) for everything, c 1:5 (zero) for reading
 * only, and `extra_minor` of c 10 (when not 0) for everything; deny the rest.
 */
#define RUNTIME_PROGRAM(extra_minor)                                                                        \
        {                                                                                                   \
                I(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0),                /* 0: r2 = access_type */          \
                        I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0),      /* 1: r3 = r2 */                   \
                        I(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16),     /* 2: r3 = access */               \
                        I(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff), /* 3: r2 = type */                 \
                        I(BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0),        /* 4: r4 = major */                \
                        I(BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0),        /* 5: r5 = minor */                \
                        I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 10, BPF_DEVCG_DEV_CHAR), /* 6: not char: deny */ \
                        I(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 4, 1), /* 7: major != 1: to 12 */                \
                        I(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 6, 3), /* 8: 1:3: allow */                       \
                        I(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 7, 5), /* 9: not 1:5: deny */                    \
                        I(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 6,                                               \
                          BPF_DEVCG_ACC_READ),                     /* 10: 1:5 not read: deny */             \
                        I(BPF_JMP | BPF_JA, 0, 0, 3, 0),           /* 11: allow */                          \
                        I(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 4, 10), /* 12: major != 10: deny */              \
                        I(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 3,                                               \
                          (extra_minor) ? (extra_minor) : -1),      /* 13: deny */                          \
                        I(BPF_JMP | BPF_JA, 0, 0, 0, 0),            /* 14: allow */                         \
                        I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), /* 15: allow: r0 = 1 */                 \
                        I(BPF_JMP | BPF_JA, 0, 0, 1, 0),            /* 16: to the exit */                   \
                        I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0), /* 17: deny: r0 = 0 */                  \
                        I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),          /* 18 */                                \
        }

static int load_runtime_program(int extra_minor)
{
        struct bpf_insn p[] = RUNTIME_PROGRAM(extra_minor);
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insn_cnt = ELEMENTSOF(p),
                .insns = (uint64_t)(uintptr_t)p,
                .license = (uint64_t)(uintptr_t) "Apache-2.0",
        };
        return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int attach(int cgroup_fd, int prog_fd, uint32_t flags)
{
        union bpf_attr attr = { .target_fd = (uint32_t)cgroup_fd,
                                .attach_bpf_fd = (uint32_t)prog_fd,
                                .attach_type = BPF_CGROUP_DEVICE,
                                .attach_flags = flags };
        return sys_bpf(BPF_PROG_ATTACH, &attr);
}

/* The ids of the device programs attached to the cgroup. */
static uint32_t query(int cgroup_fd, uint32_t ids[8])
{
        union bpf_attr q = { .query = { .target_fd = (uint32_t)cgroup_fd,
                                        .attach_type = BPF_CGROUP_DEVICE,
                                        .prog_ids = (uint64_t)(uintptr_t)ids,
                                        .prog_cnt = 8 } };
        return sys_bpf(BPF_PROG_QUERY, &q) < 0 ? 0 : q.query.prog_cnt;
}

/* Runs what() in a child moved into the cgroup, and returns the errno it reports (0: it worked). */
static int in_cgroup(const char *cgroup, int (*what)(const void *), const void *arg)
{
        int pipefd[2];
        if (pipe(pipefd) < 0)
                tap_bail("pipe");
        pid_t pid = fork();
        if (pid == 0) {
                char procs[256], me[32];
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
                int fd = open(procs, O_WRONLY | O_CLOEXEC);
                snprintf(me, sizeof(me), "%d", (int)getpid());
                int e = (fd >= 0 && write(fd, me, strlen(me)) > 0) ? what(arg) : 1000 + errno;
                if (write(pipefd[1], &e, sizeof(e)) != sizeof(e))
                        _exit(1);
                _exit(0);
        }
        int e = -1;
        close(pipefd[1]);
        if (read(pipefd[0], &e, sizeof(e)) != sizeof(e))
                e = -1;
        close(pipefd[0]);
        waitpid(pid, NULL, 0);
        return e;
}

struct open_check {
        const char *path;
        int flags;
};

static int try_open(const void *arg)
{
        const struct open_check *c = arg;
        int fd = open(c->path, c->flags | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static char *scratch;

static int try_mknod(const void *arg)
{
        char p[256];
        snprintf(p, sizeof(p), "%s/node", scratch);
        unlink(p);
        return mknod(p, S_IFCHR | 0600, makedev(10, 229)) < 0 ? errno : 0;
}

#define OPENS(cg, path, flags) in_cgroup(cg, try_open, &(struct open_check){ path, flags })

static char *new_cgroup(const char *name)
{
        char *p = NULL;
        if (asprintf(&p, UNIFIED "/oih-test-%d-%s", (int)getpid(), name) < 0 || mkdir(p, 0755) < 0)
                tap_bail("mkdir cgroup");
        return p;
}

/* What the kernel may hand back instead of a program: each is refused, never loaded. */
static void test_dump_checks(void)
{
        struct bpf_insn good[] = RUNTIME_PROGRAM(0);
        size_t n = ELEMENTSOF(good);
        struct bpf_insn bad[ELEMENTSOF(good)];

        ok(oih_bpf_dump_problem(good, n) == NULL, "a runtime's program as read back is accepted");
        memset(bad, 0, sizeof(bad));
        contains(oih_bpf_dump_problem(bad, n), "zeroed instruction", "a zeroed buffer is refused");
        ok(oih_bpf_dump_problem(good, 0) != NULL, "no instructions are refused");
        memcpy(bad, good, sizeof(good));
        bad[3].dst_reg = 11;
        contains(oih_bpf_dump_problem(bad, n), "blinded", "the blinding register (BPF_REG_AX) is refused");
        memcpy(bad, good, sizeof(good));
        bad[6].off = 40;
        contains(oih_bpf_dump_problem(bad, n), "jump out", "a jump past the end is refused");
        bad[6].off = -8;
        contains(oih_bpf_dump_problem(bad, n), "jump out", "a jump before the start is refused");
        struct bpf_insn no_exit[] = { I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1) };
        contains(oih_bpf_dump_problem(no_exit, 1), "neither an exit",
                 "a program that does not end is refused");
        memcpy(bad, good, sizeof(good));
        memset(&bad[n / 2], 0, sizeof(bad[0]));
        contains(oih_bpf_dump_problem(bad, n), "zeroed", "one zeroed instruction in the middle is refused");

        struct bpf_insn wide[] = {
                I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1),
                I(0, 0, 0, 0, 0), /* r0 = 1, in two slots */
                I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        };
        ok(oih_bpf_dump_problem(wide, 3) == NULL, "a 64-bit load's second slot is no zeroed instruction");
        contains(oih_bpf_dump_problem(wide, 1), "cut off", "a 64-bit load cut off is refused");
}

static int write_text(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t k = write(fd, text, strlen(text));
        close(fd);
        return k == (ssize_t)strlen(text) ? 0 : -1;
}

static void read_text(const char *path, char *buf, size_t size)
{
        buf[0] = 0;
        FILE *f = fopen(path, "re");
        if (f && !fgets(buf, (int)size, f))
                buf[0] = 0;
        if (f)
                fclose(f);
        buf[strcspn(buf, "\n")] = 0;
}

#define HARDEN "/proc/sys/net/core/bpf_jit_harden"

/* Drops CAP_SYSLOG from the effective set, as the hook does (it keeps only what its work needs). */
static int drop_syslog(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];
        if (syscall(SYS_capget, &h, d) < 0)
                return -1;
        d[CAP_SYSLOG / 32].effective &= ~(1u << (CAP_SYSLOG % 32));
        return (int)syscall(SYS_capset, &h, d);
}

struct allow_result {
        int r;
        char message[512];
};

/* The hook's call in a child without CAP_SYSLOG. */
static struct allow_result allow_without_syslog(int cgfd, const struct oih_device_rule *rule)
{
        struct allow_result res = { .r = -1000 };
        int pipefd[2];
        if (pipe(pipefd) < 0)
                tap_bail("pipe");
        pid_t pid = fork();
        if (pid == 0) {
                _cleanup_error_ oih_error *e = NULL;
                size_t extended = 0;
                struct allow_result c = { .r = -2000 };
                if (drop_syslog() == 0)
                        c.r = oih_bpf_devices_allow(cgfd, rule, 1, &extended, &e);
                snprintf(c.message, sizeof(c.message), "%s", e ? oih_error_message(e) : "");
                _exit(write(pipefd[1], &c, sizeof(c)) == sizeof(c) ? 0 : 1);
        }
        close(pipefd[1]);
        if (read(pipefd[0], &res, sizeof(res)) != sizeof(res))
                res.r = -3000;
        close(pipefd[0]);
        waitpid(pid, NULL, 0);
        return res;
}

/*
 * On a host with net.core.bpf_jit_harden=2 the runtime's program is blinded: its constants are rewritten
 * through a register of the kernel's own. The kernel then withholds its instructions from a reader
 * without CAP_SYSLOG (the hook, here with kernel.perf_event_paranoid above 1), or hands back the blinded
 * ones. Either way the hook cannot rebuild the program: it must fail, and leave the program alone.
 * The setting is global: it is on for the one load of the stand-in program only.
 */
static void test_hardened(void)
{
        char jit[16], old[16], paranoid[16];
        read_text("/proc/sys/net/core/bpf_jit_enable", jit, sizeof(jit));
        read_text(HARDEN, old, sizeof(old));
        read_text("/proc/sys/kernel/perf_event_paranoid", paranoid, sizeof(paranoid));
        if (!streq(jit, "1") || !*old || atoi(paranoid) <= 1 || write_text(HARDEN, "2") < 0) {
                for (int i = 0; i < 6; i++)
                        tap_ok(true, __FILE__, __LINE__,
                               "# SKIP needs the BPF JIT, a writable %s and perf_event_paranoid above 1",
                               HARDEN);
                return;
        }
        int prog = load_runtime_program(0);
        int restored = write_text(HARDEN, old);
        ok(prog >= 0, "a runtime-like program is loaded with bpf_jit_harden=2");
        is_int(restored, 0, "and the setting is put back at once");

        char *cg = new_cgroup("hardened");
        int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint32_t ids[8], before;
        if (attach(cgfd, prog, BPF_F_ALLOW_MULTI) < 0 || query(cgfd, ids) != 1)
                tap_bail("attach");
        before = ids[0];

        struct oih_device_rule fuse = { .type = 'c', .major = 10, .minor = 229 };
        struct allow_result res = allow_without_syslog(cgfd, &fuse);
        ok(res.r < 0, "without CAP_SYSLOG the kernel withholds the instructions, and the hook fails");
        contains(res.message, "cannot be read back: the kernel withholds its instructions", "saying so");
        is_int(query(cgfd, ids), 1, "one program is still attached");
        ok(ids[0] == before, "the runtime's program is still the one attached");

        _cleanup_error_ oih_error *e = NULL;
        size_t extended = 0;
        int r = oih_bpf_devices_allow(cgfd, &fuse, 1, &extended, &e);
        ok(r < 0, "with CAP_SYSLOG it hands back blinded instructions, and the hook refuses to load them");
        contains(e ? oih_error_message(e) : NULL, "blinded", "saying so");
        is_int(query(cgfd, ids), 1, "one program is still attached");
        ok(ids[0] == before, "the runtime's program is still the one attached");
        is_int(OPENS(cg, "/dev/fuse", O_RDWR), EPERM, "and /dev/fuse is still denied");

        close(cgfd);
        close(prog);
        rmdir(cg);
        free(cg);
}

int main(void)
{
        if (geteuid() != 0)
                tap_skip_all("needs root (cgroups, bpf)");
        if (access(UNIFIED "/cgroup.procs", F_OK) < 0)
                tap_skip_all("no cgroup2 hierarchy at " UNIFIED);
        scratch = tmpdir_new();

        _cleanup_error_ oih_error *err = NULL;
        uint32_t ids[8], before_id;
        size_t extended = 0;

        /* One runtime program, attached with ALLOW_MULTI as runc and crun do. */
        char *cg = new_cgroup("multi");
        int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int prog = load_runtime_program(0);
        ok(prog >= 0, "a runtime-like device program is loaded");
        is_int(prog >= 0 ? attach(cgfd, prog, BPF_F_ALLOW_MULTI) : -1, 0, "and attached");
        ok(query(cgfd, ids) == 1, "one program on the cgroup");
        before_id = ids[0];

        is_int(OPENS(cg, "/dev/null", O_RDWR), 0, "before: /dev/null opens (the runtime allows it)");
        is_int(OPENS(cg, "/dev/fuse", O_RDWR), EPERM, "before: /dev/fuse is denied");

        struct oih_device_rule fuse = { .type = 'c', .major = 10, .minor = 229 };
        int r = oih_bpf_devices_allow(cgfd, &fuse, 1, &extended, &err);
        is_int(r, 0, "the hook extends the program (%s)", err ? oih_error_message(err) : "ok");
        is_int(extended, 1, "one program extended");
        is_int(query(cgfd, ids), 1, "replaced, not stacked: still one program");
        ok(ids[0] != before_id, "a new one");

        is_int(OPENS(cg, "/dev/fuse", O_RDWR), 0, "after: /dev/fuse opens read-write");
        is_int(OPENS(cg, "/dev/null", O_RDWR), 0, "after: /dev/null still opens (the runtime's rule)");
        is_int(OPENS(cg, "/dev/zero", O_RDONLY), 0,
               "after: /dev/zero still opens for reading (the runtime's rule)");
        is_int(OPENS(cg, "/dev/zero", O_RDWR), EPERM, "after: /dev/zero still not for writing");
        is_int(OPENS(cg, "/dev/net/tun", O_RDWR), EPERM,
               "after: /dev/net/tun, not injected, is still denied");
        is_int(in_cgroup(cg, try_mknod, NULL), EPERM,
               "after: mknod of the injected device is still denied (no m)");

        before_id = ids[0];
        r = oih_bpf_devices_allow(cgfd, &fuse, 1, &extended, &err);
        is_int(r, 0, "a second run for the same devices succeeds");
        is_int(query(cgfd, ids), 1, "still one program");
        ok(ids[0] == before_id, "a second run for the same devices leaves the program alone");

        /* Two programs: every one must allow, so every one is extended. */
        int second = load_runtime_program(200);
        ok(second >= 0, "a second program is loaded (it allows c 10:200, the first does not)");
        is_int(second >= 0 ? attach(cgfd, second, BPF_F_ALLOW_MULTI) : -1, 0, "and attached");
        is_int(query(cgfd, ids), 2, "two programs on the cgroup");
        is_int(OPENS(cg, "/dev/net/tun", O_RDWR), EPERM,
               "with two programs: /dev/net/tun is denied by the first");
        struct oih_device_rule tun = { .type = 'c', .major = 10, .minor = 200 };
        r = oih_bpf_devices_allow(cgfd, &tun, 1, &extended, &err);
        is_int(r, 0, "the hook allows c 10:200");
        is_int(extended, 2, "both programs are extended");
        is_int(query(cgfd, ids), 2, "still two");
        is_int(OPENS(cg, "/dev/net/tun", O_RDWR), 0, "with two programs: /dev/net/tun opens");
        is_int(OPENS(cg, "/dev/fuse", O_RDWR), EPERM,
               "with two programs: /dev/fuse is denied (the second program never allowed it)");

        close(cgfd);
        close(prog);
        close(second);
        ok(rmdir(cg) == 0, "the test cgroup is removed");
        free(cg);

        /* A single program attached without ALLOW_MULTI is replaced as a whole. */
        cg = new_cgroup("single");
        cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        prog = load_runtime_program(0);
        ok(prog >= 0, "a program loaded");
        is_int(prog >= 0 ? attach(cgfd, prog, 0) : -1, 0, "and attached without flags");
        r = oih_bpf_devices_allow(cgfd, &fuse, 1, &extended, &err);
        is_int(r, 0, "the hook allows fuse");
        is_int(extended, 1, "the program is extended");
        is_int(query(cgfd, ids), 1, "it is replaced");
        is_int(OPENS(cg, "/dev/fuse", O_RDWR), 0, "/dev/fuse opens");
        is_int(OPENS(cg, "/dev/net/tun", O_RDWR), EPERM, "/dev/net/tun does not");
        close(cgfd);
        close(prog);
        rmdir(cg);
        free(cg);

        /* No program: nothing to do, and nothing attached. */
        cg = new_cgroup("none");
        cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = oih_bpf_devices_allow(cgfd, &fuse, 1, &extended, &err);
        is_int(r, 0, "a cgroup without a device program: no error");
        is_int(extended, 0, "nothing extended");
        is_int(query(cgfd, ids), 0, "a cgroup without a device program is left as it is");
        close(cgfd);
        rmdir(cg);
        free(cg);

        test_dump_checks();
        test_hardened();

        tmpdir_remove(scratch);
        return tap_finish();
}
