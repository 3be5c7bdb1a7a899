/* Topic "fwdvar" (three units, linked; testdata/regen.sh fwdvar): `struct
 * fv_holder` points at `struct fv_s`, a declaration in this unit and a
 * definition in fwdvar-b.c; fwdvar-c.c defines another `struct fv_s`. One
 * dedup run over every unit (pahole, libbpf) resolves this unit's FWD to the
 * definition the holder met in fwdvar-b.c; the name alone cannot (two
 * structs have it). Encoded one unit per range (test/encode-units.test.ts),
 * the FWD is in the output before fwdvar-b.c's holder meets it. */
struct fv_s;
struct fv_holder { struct fv_s *s; long n; };

struct fv_holder fv_a_holder;
int fv_b(void);
int fv_c(void);

int main(void)
{
	return (int)fv_a_holder.n + fv_b() + fv_c();
}
