/* Topic "fwdvar": another struct of the same name, so a FWD cannot be resolved by its name. */
struct fv_s { long y; long z; };

struct fv_s fv_c_s;

int fv_c(void)
{
	return (int)(fv_c_s.y + fv_c_s.z);
}
