# btfgen as the BTF.func_info step of a kernel build: include this from a
# kernel tree's Makefile (or run it with make -f) after vmlinux and the
# modules are built. Variables:
#   BTFGEN   the btfgen command (default: btfgen on PATH)
#   VMLINUX  the vmlinux with DWARF and .BTF (default: $(objtree)/vmlinux)
#   MODORDER modules.order listing the .ko files (default: $(objtree)/modules.order,
#            or $(M)/modules.order for an out-of-tree build)
#   FUNCINFO_DIR where module outputs go (default: $(dir of MODORDER)/func_info)
# Targets:
#   btfgen-vmlinux   vmlinux.func_info.btf (split on vmlinux's .BTF)
#   btfgen-modules   one <module>.ko.func_info.btf per module, in one batch run
#                    (the vmlinux base parsed once), each split on vmlinux <- module .BTF
BTFGEN   ?= btfgen
objtree  ?= .
VMLINUX  ?= $(objtree)/vmlinux
MODORDER ?= $(if $(M),$(M)/modules.order,$(objtree)/modules.order)
FUNCINFO_DIR ?= $(dir $(MODORDER))func_info
BTFGEN_JOBS ?= 2

.PHONY: btfgen-vmlinux btfgen-modules
btfgen-vmlinux: $(VMLINUX)
	$(BTFGEN) $(VMLINUX) -o $(objtree)/vmlinux.func_info.btf -q

# modules.order names objects relative to the build directory; the .ko sit beside them.
btfgen-modules: $(MODORDER)
	@mkdir -p $(FUNCINFO_DIR)
	sed -e 's/\.o$$/.ko/' -e 's|^\([^/]\)|$(dir $(MODORDER))\1|' $(MODORDER) > $(FUNCINFO_DIR)/inputs
	$(BTFGEN) --btf_base $(VMLINUX) -j $(BTFGEN_JOBS) --out-dir $(FUNCINFO_DIR) --from $(FUNCINFO_DIR)/inputs
