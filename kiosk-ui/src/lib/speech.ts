// Spoken guidance (适老化): the browser's speech synthesis when it has one, else nothing.
import type { Lang } from '../i18n';

interface SpeechLike {
  speak(u: unknown): void;
  cancel(): void;
  getVoices?: () => { lang: string }[];
}

function synth(): { speech: SpeechLike; Utterance: new (text: string) => Record<string, unknown> } | null {
  const g = globalThis as unknown as {
    speechSynthesis?: SpeechLike;
    SpeechSynthesisUtterance?: new (text: string) => Record<string, unknown>;
  };
  if (!g.speechSynthesis || typeof g.SpeechSynthesisUtterance !== 'function') return null;
  return { speech: g.speechSynthesis, Utterance: g.SpeechSynthesisUtterance };
}

/** Says `text` in `lang` (a zh-CN voice by default), replacing whatever was being said. */
export function speak(text: string, lang: Lang): void {
  const s = synth();
  if (!s || !text) return;
  try {
    s.speech.cancel();
    const u = new s.Utterance(text);
    const tag = lang === 'en' ? 'en-US' : 'zh-CN';
    u['lang'] = tag;
    u['rate'] = 0.9;
    const prefix = tag.slice(0, 2).toLowerCase();
    const voices = s.speech.getVoices?.() ?? [];
    const voice =
      voices.find((v) => v.lang.replace('_', '-').toLowerCase() === tag.toLowerCase()) ??
      voices.find((v) => v.lang.toLowerCase().startsWith(prefix));
    if (voice) u['voice'] = voice;
    s.speech.speak(u);
  } catch {
    // speech is a help, never a failure of the kiosk
  }
}

export function stopSpeaking(): void {
  try {
    synth()?.speech.cancel();
  } catch {
    // nothing to stop
  }
}
