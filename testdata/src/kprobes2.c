/* The second unit of kprobes.c's executable: another static helper(). */
#define NOINLINE __attribute__((noinline))

extern volatile int sink;

static inline __attribute__((always_inline)) int twice(int v) {
  sink = v;
  return v + sink;
}

static NOINLINE int helper(int a) { return twice(a) * 3; }

int plain2(int a) { return helper(a + 1); }
