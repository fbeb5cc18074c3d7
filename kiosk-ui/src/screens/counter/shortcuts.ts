// The counter's keyboard shortcuts: one key per action, shown on its button and in a legend.
// They do nothing while the officer types in a field or a dialog is open (Esc closes it).
import { useEffect, useRef } from 'preact/hooks';

export type Command =
  | 'call-next'
  | 'recall'
  | 'start'
  | 'no-show'
  | 'finish'
  | 'hold'
  | 'transfer'
  | 'call-specific'
  | 'pause'
  | 'escape';

/** Keys as `KeyboardEvent.key` (letters lower case); the first is the one shown. */
export const SHORTCUTS: { command: Exclude<Command, 'escape'>; keys: string[]; label: string }[] = [
  { command: 'call-next', keys: ['F1', ' '], label: 'F1 / Space' },
  { command: 'recall', keys: ['r'], label: 'R' },
  { command: 'start', keys: ['s'], label: 'S' },
  { command: 'no-show', keys: ['n'], label: 'N' },
  { command: 'finish', keys: ['f'], label: 'F' },
  { command: 'hold', keys: ['h'], label: 'H' },
  { command: 'transfer', keys: ['t'], label: 'T' },
  { command: 'call-specific', keys: ['c'], label: 'C' },
  { command: 'pause', keys: ['p'], label: 'P' },
];

export function shortcutLabel(command: Command): string {
  return SHORTCUTS.find((s) => s.command === command)?.label ?? '';
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function commandFor(e: KeyboardEvent, dialogOpen: boolean): Command | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  if (e.key === 'Escape') return dialogOpen ? 'escape' : null;
  if (dialogOpen || isTyping(e.target)) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return SHORTCUTS.find((s) => s.keys.includes(key))?.command ?? null;
}

export function useShortcuts(dialogOpen: boolean, run: (c: Command) => void): void {
  const state = useRef({ dialogOpen, run });
  state.current = { dialogOpen, run };
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      const command = commandFor(e, state.current.dialogOpen);
      if (!command) return;
      // F1 would open the browser's help; Space would scroll or press the focused button.
      e.preventDefault();
      if (e.repeat) return;
      state.current.run(command);
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === ' ' && commandFor(e, state.current.dialogOpen) === 'call-next') e.preventDefault();
    };
    document.addEventListener('keydown', down);
    document.addEventListener('keyup', up);
    return () => {
      document.removeEventListener('keydown', down);
      document.removeEventListener('keyup', up);
    };
  }, []);
}
