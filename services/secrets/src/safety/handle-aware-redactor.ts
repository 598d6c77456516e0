import type { Redactor } from '@switchboard/shared';

/**
 * A well-formed handle, followed by the end or a delimiter (so `secret://a/b=hunter2` is not taken for one and is
 * redacted as before).
 */
const HANDLE =
  /secret:\/\/[a-z][a-z0-9-]{0,31}\/[A-Za-z0-9_][A-Za-z0-9._/-]{0,255}(?:#[A-Za-z0-9._-]{1,64})?(?=$|[\s"',;)\]}>`])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL delimits the placeholders, it cannot occur in a handle.
const SLOT = /\u0000h(\d+)\u0000/g;

/**
 * Workaround for a kit redactor rule: its `secret[:=]<value>` credential shape also matches every handle
 * (`secret://local/db/pw` becomes `secret:[REDACTED]`), in tool results and logs alike. Until the kit's shape skips
 * `secret://`, this process's redactor sets well-formed handles aside, redacts the rest, and puts them back.
 * Handles name a backend and a path, never a value. Remove once shared/src/logging/redactor.ts knows handles.
 */
export function protectHandles(redactor: Redactor): void {
  const original = redactor.redactString.bind(redactor);
  if (original('secret://a/b') === 'secret://a/b') return;
  redactor.redactString = (text: string): string => {
    if (!text.includes('secret://')) return original(text);
    const handles: string[] = [];
    const masked = text.replace(HANDLE, (handle) => {
      handles.push(handle);
      return `\u0000h${handles.length - 1}\u0000`;
    });
    return original(masked).replace(SLOT, (_, index: string) => handles[Number(index)] ?? '');
  };
}
