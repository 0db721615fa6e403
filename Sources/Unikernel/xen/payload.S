/* The content object and its name, built into the image (the Makefile passes both):
 * the kernel serves the object from here, in place. */
	.section .rodata.payload, "a"
	.balign 64
	.globl uk_object_start, uk_object_end, uk_object_name
uk_object_start:
	.incbin OBJECT_PATH
uk_object_end:
uk_object_name:
	.asciz CONTENT_NAME
	.section .note.GNU-stack, "", @progbits
