/* SPDX-License-Identifier: Apache-2.0 */
#include <linux/bpf.h>
#include <sys/syscall.h>

#include "bpf-devices.h"
#include "log.h"

/* Programs attached to one cgroup for one attach type: the kernel allows 64. */
#define MAX_PROGRAMS 64

#define INSN(c, d, s, o, i) \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off)    INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV64_REG(dst, src)     INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV32_REG(dst, src)     INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off)  INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()                  INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/*
 * The prefix. struct bpf_cgroup_dev_ctx is at R1: access_type (BPF_DEVCG_ACC_* << 16 | BPF_DEVCG_DEV_*),
 * major, minor. Each rule is a block that returns 1 (allow) when type, major and minor match and the
 * access asked for is within read|write; any mismatch jumps to the next block, and after the last one
 * the old program runs. R2-R5 and R0 are scratch: at a program's entry only R1 and R10 are defined, so
 * the old program cannot depend on them.
 */
#define PREFIX_HEAD 6
#define RULE_BLOCK  8

static size_t prefix_length(size_t n)
{
        return PREFIX_HEAD + RULE_BLOCK * n;
}

static void build_prefix(const struct oih_device_rule *rules, size_t n, struct bpf_insn *p)
{
        size_t k = 0;

        p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);        /* r2 = access_type */
        p[k++] = MOV64_REG(BPF_REG_3, BPF_REG_2);       /* r3 = access_type */
        p[k++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff); /* r2 = device type */
        p[k++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);     /* r3 = access */
        p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);        /* r4 = major */
        p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);        /* r5 = minor */

        for (size_t i = 0; i < n; i++) {
                int type = rules[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
                p[k++] = JNE_IMM(BPF_REG_2, type, 7);
                p[k++] = MOV32_REG(BPF_REG_0, BPF_REG_3);
                p[k++] =
                        ALU32_IMM(BPF_AND, BPF_REG_0, (int32_t) ~(BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
                p[k++] = JNE_IMM(BPF_REG_0, 0, 4); /* mknod, or anything but read and write */
                p[k++] = JNE_IMM(BPF_REG_4, (int32_t)rules[i].major, 3);
                p[k++] = JNE_IMM(BPF_REG_5, (int32_t)rules[i].minor, 2);
                p[k++] = MOV64_IMM(BPF_REG_0, 1);
                p[k++] = EXIT();
        }
}

const char *oih_bpf_dump_problem(const struct bpf_insn *insns, size_t n)
{
        if (n == 0)
                return "no instructions";
        for (size_t i = 0; i < n; i++) {
                const struct bpf_insn *in = &insns[i];
                uint8_t class = BPF_CLASS(in->code), op = BPF_OP(in->code);

                if (in->code == 0)
                        return "a zeroed instruction: the kernel did not fill the buffer";
                /* Blinding rewrites constants through an extra register (BPF_REG_AX, 11) that no
                 * program may name itself. */
                if (in->dst_reg > BPF_REG_10 || in->src_reg > BPF_REG_10)
                        return "an instruction on the kernel's own register: its constants are blinded (net.core.bpf_jit_harden)";
                if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
                        /* Two slots; the second has no opcode of its own. */
                        if (i + 1 >= n)
                                return "a 64-bit load cut off at the end";
                        i++;
                        continue;
                }
                if ((class == BPF_JMP || class == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT) {
                        int64_t by = class == BPF_JMP32 && op == BPF_JA ? in->imm : in->off;
                        int64_t target = (int64_t)i + 1 + by;
                        if (target < 0 || target >= (int64_t)n)
                                return "a jump out of the program";
                }
        }
        const struct bpf_insn *last = &insns[n - 1];
        if (last->code != (BPF_JMP | BPF_EXIT) && last->code != (BPF_JMP | BPF_JA))
                return "the last instruction is neither an exit nor a jump";
        return NULL;
}

/*
 * The old program as the kernel runs it. The kernel hands back the length even where it withholds the
 * instructions (a program blinded by net.core.bpf_jit_harden, read without CAP_SYSLOG or with
 * kernel.kptr_restrict=2): it then clears the pointer and leaves the buffer as it was, so the buffer
 * starts zeroed and the pointer is checked.
 */
static int program_instructions(int prog_fd, struct bpf_insn **ret, size_t *ret_n, const char **ret_why)
{
        struct bpf_prog_info info = {};
        union bpf_attr attr = { .info = { .bpf_fd = (uint32_t)prog_fd,
                                          .info_len = sizeof(info),
                                          .info = (uint64_t)(uintptr_t)&info } };

        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
                return negative_errno();
        size_t len = info.xlated_prog_len;
        if (len == 0) {
                *ret_why =
                        "the kernel gives none of its instructions back (without CAP_BPF or CAP_SYS_ADMIN)";
                return -ENODATA;
        }
        if (len % sizeof(struct bpf_insn) != 0) {
                *ret_why = "the kernel gave a length that is no whole number of instructions";
                return -EBADMSG;
        }

        size_t n = len / sizeof(struct bpf_insn);
        _cleanup_free_ struct bpf_insn *insns = calloc(n, sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        info = (struct bpf_prog_info){ .xlated_prog_len = (uint32_t)len,
                                       .xlated_prog_insns = (uint64_t)(uintptr_t)insns };
        attr = (union bpf_attr){ .info = { .bpf_fd = (uint32_t)prog_fd,
                                           .info_len = sizeof(info),
                                           .info = (uint64_t)(uintptr_t)&info } };
        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
                return negative_errno();
        if (info.xlated_prog_insns != (uint64_t)(uintptr_t)insns) {
                *ret_why =
                        "the kernel withholds its instructions (a program blinded by net.core.bpf_jit_harden, read without CAP_SYSLOG)";
                return -ENODATA;
        }
        if (info.xlated_prog_len != len) {
                *ret_why = "it changed while the hook read it";
                return -EAGAIN;
        }
        const char *why = oih_bpf_dump_problem(insns, n);
        if (why) {
                *ret_why = why;
                return -EBADMSG;
        }

        *ret_n = n;
        *ret = TAKE_PTR(insns);
        return 0;
}

/*
 * The kernel hands back instructions as it translated them: helper calls and map references are
 * rewritten and cannot be loaded again. A runtime's device program uses neither; anything that does is
 * refused rather than guessed at.
 */
static bool reloadable(const struct bpf_insn *insns, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (insns[i].code == (BPF_JMP | BPF_CALL) || insns[i].code == (BPF_JMP32 | BPF_CALL))
                        return false;
                if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].src_reg != 0)
                        return false;
        }
        return true;
}

static int load_program(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insn_cnt = (uint32_t)n,
                .insns = (uint64_t)(uintptr_t)insns,
                .license = (uint64_t)(uintptr_t) "Apache-2.0",
        };
        memcpy(attr.prog_name, "oih_devices", sizeof("oih_devices"));

        int fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0 || !log)
                return fd >= 0 ? fd : negative_errno();

        /* Once more with the verifier's log, for the message. */
        int saved = errno;
        log[0] = 0;
        attr.log_level = 1;
        attr.log_size = (uint32_t)log_size;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        (void)bpf(BPF_PROG_LOAD, &attr);
        return -saved;
}

static int attach(int cgroup_fd, int new_fd, int old_fd, uint32_t flags)
{
        union bpf_attr attr = {
                .target_fd = (uint32_t)cgroup_fd,
                .attach_bpf_fd = (uint32_t)new_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = flags,
        };
        /* With several programs (ALLOW_MULTI), swap this one in place; a single one is simply replaced. */
        if (flags & BPF_F_ALLOW_MULTI) {
                attr.attach_flags |= BPF_F_REPLACE;
                attr.replace_bpf_fd = (uint32_t)old_fd;
        }
        return bpf(BPF_PROG_ATTACH, &attr) < 0 ? negative_errno() : 0;
}

int oih_bpf_devices_query(int cgroup_fd, uint32_t *ret_direct, uint32_t *ret_effective)
{
        union bpf_attr q = { .query = { .target_fd = (uint32_t)cgroup_fd,
                                        .attach_type = BPF_CGROUP_DEVICE } };

        /* Without room for ids the kernel says only how many there are. */
        if (bpf(BPF_PROG_QUERY, &q) < 0)
                return negative_errno();
        uint32_t direct = q.query.prog_cnt;
        q = (union bpf_attr){ .query = { .target_fd = (uint32_t)cgroup_fd,
                                         .attach_type = BPF_CGROUP_DEVICE,
                                         .query_flags = BPF_F_QUERY_EFFECTIVE } };
        if (bpf(BPF_PROG_QUERY, &q) < 0)
                return negative_errno();
        *ret_direct = direct;
        *ret_effective = q.query.prog_cnt;
        return 0;
}

/* A program the hook replaced: the runtime's, and the extended one now attached in its place. */
struct replaced {
        int old_fd, new_fd;
};

static void replaced_close(struct replaced *r, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                safe_close(r[i].old_fd);
                safe_close(r[i].new_fd);
        }
}

/* Puts the runtime's programs back, the last replaced first. */
static void replaced_undo(int cgroup_fd, struct replaced *r, size_t n, uint32_t flags)
{
        for (size_t i = n; i > 0; i--) {
                int k = attach(cgroup_fd, r[i - 1].old_fd, r[i - 1].new_fd, flags);
                if (k < 0)
                        log_warning("cannot put the runtime's device program back: %s, ignoring",
                                    strerror(-k));
        }
        replaced_close(r, n);
}

/* Reads back program `id` (open as old_fd) as the kernel runs it, or says why it cannot. */
static int read_program(int old_fd, uint32_t id, struct bpf_insn **ret, size_t *ret_n, oih_error **err)
{
        const char *why = NULL;
        int r = program_instructions(old_fd, ret, ret_n, &why);
        if (r < 0 && why)
                return oih_error_set(
                        err, -r,
                        "the runtime's device program %u cannot be read back: %s, so the hook cannot rebuild it with the devices added",
                        id, why);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot read the runtime's device program %u", id);
        return 0;
}

/* Loads prefix + old as one program; the verifier's first line goes into the message when it refuses. */
static int load_extended(const struct bpf_insn *prefix, size_t plen, const struct bpf_insn *old,
                         size_t n_old, oih_error **err)
{
        enum { LOG_SIZE = 16384 };
        _cleanup_free_ struct bpf_insn *combined = calloc(plen + n_old, sizeof(*combined));
        _cleanup_free_ char *log = malloc(LOG_SIZE);
        if (!combined || !log)
                return oih_error_set(err, ENOMEM, "out of memory");
        memcpy(combined, prefix, plen * sizeof(*prefix));
        memcpy(combined + plen, old, n_old * sizeof(*old));

        int fd = load_program(combined, plen + n_old, log, LOG_SIZE);
        if (fd < 0) {
                log[strcspn(log, "\n")] = 0;
                return oih_error_set(err, -fd, "the kernel refused the extended device program: %s%s%s",
                                     strerror(-fd), *log ? ": " : "", log);
        }
        return fd;
}

/*
 * Replaces the runtime's program `id` with the prefix followed by its instructions. Returns 1 with both
 * programs' fds in *ret, 0 when the program starts with this prefix already, or a negative errno.
 */
static int extend_program(int cgroup_fd, uint32_t id, uint32_t flags, const struct bpf_insn *prefix,
                          size_t plen, struct replaced *ret, oih_error **err)
{
        _cleanup_free_ struct bpf_insn *old = NULL;
        union bpf_attr g = { .prog_id = id };
        size_t n_old = 0;

        _cleanup_close_ int old_fd = bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (old_fd < 0)
                return oih_error_set_errno(err, errno,
                                           "cannot open device program %u of the container's cgroup", id);
        int r = read_program(old_fd, id, &old, &n_old, err);
        if (r < 0)
                return r;
        if (n_old >= plen && memcmp(old, prefix, plen * sizeof(*prefix)) == 0) {
                log_debug("device program %u allows the injected devices already", id);
                return 0;
        }
        if (!reloadable(old, n_old))
                return oih_error_set(
                        err, ENOTSUP,
                        "the runtime's device program %u on the container's cgroup calls helpers or uses maps, so it cannot be extended; allow the devices in the container's spec (linux.resources.devices) instead",
                        id);

        _cleanup_close_ int new_fd = load_extended(prefix, plen, old, n_old, err);
        if (new_fd < 0)
                return new_fd;
        r = attach(cgroup_fd, new_fd, old_fd, flags);
        if (r < 0)
                return oih_error_set_errno(err, -r, "cannot attach the extended device program");
        log_debug("device program %u replaced by one that also allows the injected devices", id);
        *ret = (struct replaced){ .old_fd = TAKE_FD(old_fd), .new_fd = TAKE_FD(new_fd) };
        return 1;
}

int oih_bpf_devices_allow(int cgroup_fd, const struct oih_device_rule *rules, size_t n, size_t *ret_extended,
                          oih_error **err)
{
        uint32_t ids[MAX_PROGRAMS];
        union bpf_attr q = { .query = { .target_fd = (uint32_t)cgroup_fd,
                                        .attach_type = BPF_CGROUP_DEVICE,
                                        .prog_ids = (uint64_t)(uintptr_t)ids,
                                        .prog_cnt = MAX_PROGRAMS } };
        struct replaced done[MAX_PROGRAMS];
        size_t n_done = 0;

        if (bpf(BPF_PROG_QUERY, &q) < 0)
                return oih_error_set_errno(err, errno,
                                           "cannot list the device programs of the container's cgroup");
        uint32_t flags = q.query.attach_flags, count = q.query.prog_cnt;

        size_t plen = prefix_length(n);
        _cleanup_free_ struct bpf_insn *prefix = calloc(plen, sizeof(*prefix));
        if (!prefix)
                return oih_error_set(err, ENOMEM, "out of memory");
        build_prefix(rules, n, prefix);

        /* Every program, or none: a failure puts back the ones replaced before it. */
        for (uint32_t i = 0; i < count; i++) {
                int r = extend_program(cgroup_fd, ids[i], flags, prefix, plen, &done[n_done], err);
                if (r < 0) {
                        replaced_undo(cgroup_fd, done, n_done, flags);
                        return r;
                }
                n_done += r > 0;
        }
        replaced_close(done, n_done);
        *ret_extended = count;
        return 0;
}
