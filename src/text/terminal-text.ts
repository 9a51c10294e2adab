/**
 * Text that will be shown on someone's terminal must not drive it: ESC, the other
 * C0 controls but TAB, DEL and the C1 controls could repaint, retitle or wedge a
 * screen (CWE-150). They are shown in caret notation instead ("^[", "^?"), with a C1
 * control shown as its 7-bit ESC equivalent ("^[[" for CSI), so nothing is hidden.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const TERMINAL_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const TERMINAL_CONTROL_ALL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function toTerminalText(text: string): string {
  if (!TERMINAL_CONTROL.test(text)) return text;
  return text.replace(TERMINAL_CONTROL_ALL, caretNotation);
}

function caretNotation(control: string): string {
  const code = control.charCodeAt(0);
  if (code === 0x7f) return "^?";
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  return `^[${String.fromCharCode(code - 0x40)}`;
}
