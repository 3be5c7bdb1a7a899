/*
 * Kernel-like code for `btfgen probes` attachability: functions in the
 * sections a kprobe refuses (.init.text, .noinstr.text, .kprobes.text), one
 * listed in _kprobe_blacklist as NOKPROBE_SYMBOL() lists it, and a static
 * function whose name kprobes2.c uses too (a duplicate kallsyms name). Each
 * holds an inline site of scale(), so every case has a site to check.
 * Linked with kprobes2.c, without libc (-nostdlib), entry plain_fn; with
 * -DMODULE -c it is a module-like object instead (a .modinfo name, the
 * blacklist entry a relocation).
 */
#define NOINLINE __attribute__((noinline))
#define INIT __attribute__((section(".init.text"), noinline, used))
#define NOINSTR __attribute__((section(".noinstr.text"), noinline, used))
#define KPROBES __attribute__((section(".kprobes.text"), noinline, used))
#define NOKPROBE_SYMBOL(fname) \
  static unsigned long __attribute__((used, section("_kprobe_blacklist"))) _kbl_addr_##fname = (unsigned long)fname

volatile int sink;

static inline __attribute__((always_inline)) int scale(int v, int k) {
  sink = v;
  return v * k + sink;
}

INIT int init_fn(int a) { return scale(a, 3); }
NOINSTR int noinstr_fn(int a) { return scale(a, 4); }
KPROBES int kprobes_fn(int a) { return scale(a, 5); }

NOINLINE int blacklisted_fn(int a) { return scale(a, 6); }
NOKPROBE_SYMBOL(blacklisted_fn);

static NOINLINE int helper(int a) { return scale(a, 7); }

int plain2(int a);

#ifdef MODULE
static const char __attribute__((used, section(".modinfo"), aligned(1))) modinfo_name[] = "name=kprobes_mod";
#endif

int plain_fn(int a) {
  return helper(a) + scale(a, 8) + plain2(a) + init_fn(a) + noinstr_fn(a) + kprobes_fn(a) + blacklisted_fn(a);
}
