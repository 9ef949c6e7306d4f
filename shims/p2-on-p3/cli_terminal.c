// wasi:cli terminal-*: the 0.2 terminal resources wrap the 0.3 handles.
#include "handles.h"

WB_IMPORT("wasi:cli/terminal-input@0.3.0", "[resource-drop]terminal-input")
void p3_drop_terminal_input(uint32_t);
WB_IMPORT("wasi:cli/terminal-output@0.3.0", "[resource-drop]terminal-output")
void p3_drop_terminal_output(uint32_t);
// get-terminal-*: func() -> option<terminal-*>   (tag@0, handle@4)
WB_IMPORT("wasi:cli/terminal-stdin@0.3.0", "get-terminal-stdin") void p3_get_terminal_stdin(void *);
WB_IMPORT("wasi:cli/terminal-stdout@0.3.0", "get-terminal-stdout") void p3_get_terminal_stdout(void *);
WB_IMPORT("wasi:cli/terminal-stderr@0.3.0", "get-terminal-stderr") void p3_get_terminal_stderr(void *);

#include "bridge.h"

// The 0.3 handle is kept in the slot's object pointer.
static void wrap_option(void (*get)(void *), enum wb_kind kind, uint32_t retptr) {
  _Alignas(4) uint8_t ret[8];
  get(ret);
  if (ret[0]) {
    wb_put32(ret + 4, wb_handle_new(kind, wb_ptr(wb_get32(ret + 4))));
  } else {
    __builtin_memset(ret, 0, sizeof ret);
  }
  wb_copy_out(retptr, ret, 8);
}

WB_EXPORT("wasi:cli/terminal-stdin#get-terminal-stdin")
void get_terminal_stdin(uint32_t retptr) {
  wrap_option(p3_get_terminal_stdin, WB_KIND_TERMINAL_INPUT, retptr);
}

WB_EXPORT("wasi:cli/terminal-stdout#get-terminal-stdout")
void get_terminal_stdout(uint32_t retptr) {
  wrap_option(p3_get_terminal_stdout, WB_KIND_TERMINAL_OUTPUT, retptr);
}

WB_EXPORT("wasi:cli/terminal-stderr#get-terminal-stderr")
void get_terminal_stderr(uint32_t retptr) {
  wrap_option(p3_get_terminal_stderr, WB_KIND_TERMINAL_OUTPUT, retptr);
}

WB_EXPORT("wasi:cli/terminal-input#[resource-drop]terminal-input")
void terminal_input_drop(uint32_t self) {
  p3_drop_terminal_input(wb_addr(wb_handle_take(self, WB_KIND_TERMINAL_INPUT)));
}

WB_EXPORT("wasi:cli/terminal-output#[resource-drop]terminal-output")
void terminal_output_drop(uint32_t self) {
  p3_drop_terminal_output(wb_addr(wb_handle_take(self, WB_KIND_TERMINAL_OUTPUT)));
}
