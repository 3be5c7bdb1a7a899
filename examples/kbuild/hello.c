// SPDX-License-Identifier: GPL-2.0
/* An out-of-tree module with inlined helpers, for btfgen's kbuild run. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

struct hello_item {
	int id;
	long weight;
	char name[16];
};

static inline long hello_score(const struct hello_item *it, long bias)
{
	return it->weight * 3 + bias + it->id;
}

static inline struct hello_item *hello_new(int id, long weight, gfp_t gfp)
{
	struct hello_item *it = kzalloc(sizeof(*it), gfp);

	if (!it)
		return NULL;
	it->id = id;
	it->weight = weight;
	strscpy(it->name, "hello", sizeof(it->name));
	return it;
}

static noinline long hello_sum(struct hello_item **items, int n, long bias)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += hello_score(items[i], bias);
	return s;
}

static int __init hello_init(void)
{
	struct hello_item *items[4];
	int i;

	for (i = 0; i < 4; i++) {
		items[i] = hello_new(i, i * 10, GFP_KERNEL);
		if (!items[i])
			goto out;
	}
	pr_info("hello: %ld\n", hello_sum(items, 4, 7));
out:
	while (--i >= 0)
		kfree(items[i]);
	return 0;
}

static void __exit hello_exit(void)
{
}

module_init(hello_init);
module_exit(hello_exit);
MODULE_LICENSE("GPL");
