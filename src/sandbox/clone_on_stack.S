/* long soulbox_clone3_on_stack(struct clone_args *args, size_t size,
 *                              void (*child)(void *), void *arg);
 *
 * clone3 for a child that shares our memory (CLONE_VM) and starts on the stack named in args:
 * the child calls child(arg), which must never return (it execs or exits). The parent gets
 * the child's pid or -errno, as the raw system call returns. A C wrapper cannot do this: the
 * child would return through a frame on a stack it does not have (glibc's clone() has the same
 * few lines of assembly; it has no clone3 we could call for CLONE_INTO_CGROUP). */
#if defined(__x86_64__)
        .text
        .globl  soulbox_clone3_on_stack
        .hidden soulbox_clone3_on_stack
        .type   soulbox_clone3_on_stack, @function
soulbox_clone3_on_stack:
        .cfi_startproc
        mov     %rdx, %r8               /* child: r8 and r9 survive the system call */
        mov     %rcx, %r9               /* arg */
        mov     $435, %eax              /* __NR_clone3 */
        syscall
        test    %rax, %rax
        jz      1f
        ret                             /* parent: pid or -errno */
1:      .cfi_undefined %rip             /* child: no caller frame on this stack */
        xor     %ebp, %ebp
        mov     %r9, %rdi
        call    *%r8
        hlt
        .cfi_endproc
        .size   soulbox_clone3_on_stack, .-soulbox_clone3_on_stack
#elif defined(__aarch64__)
        .text
        .globl  soulbox_clone3_on_stack
        .hidden soulbox_clone3_on_stack
        .type   soulbox_clone3_on_stack, %function
soulbox_clone3_on_stack:
        .cfi_startproc
        mov     x9, x2                  /* child: the kernel preserves every register but x0 */
        mov     x10, x3                 /* arg */
        mov     x8, #435                /* __NR_clone3 */
        svc     #0
        cbz     x0, 1f
        ret                             /* parent: pid or -errno */
1:      .cfi_undefined x30              /* child: no caller frame on this stack */
        mov     x29, #0
        mov     x30, #0
        mov     x0, x10
        blr     x9
        brk     #0
        .cfi_endproc
        .size   soulbox_clone3_on_stack, .-soulbox_clone3_on_stack
#else
#error "soulbox_clone3_on_stack: no implementation for this architecture"
#endif

        .section .note.GNU-stack, "", %progbits
