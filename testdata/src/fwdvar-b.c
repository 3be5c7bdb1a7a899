/* Topic "fwdvar": the definition fwdvar-a.c's holder stands for (see there). */
struct fv_s { int x; };
struct fv_holder { struct fv_s *s; long n; };

struct fv_holder fv_b_holder;
struct fv_s fv_b_s;

int fv_b(void)
{
	fv_b_holder.s = &fv_b_s;
	return fv_b_holder.s->x;
}
