import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en';

/** Languages with a complete set of strings. Add `'zh-CN'` here together with its resources. */
export const supportedLanguages = ['en'] as const;
export type Language = (typeof supportedLanguages)[number];

function preferredLanguage(): Language {
  for (const candidate of navigator.languages ?? [navigator.language]) {
    const match = supportedLanguages.find(
      (language) => candidate === language || candidate.startsWith(`${language}-`),
    );
    if (match) return match;
  }
  return 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en } },
  lng: preferredLanguage(),
  fallbackLng: 'en',
  supportedLngs: [...supportedLanguages],
  initAsync: false,
  // React escapes what it renders.
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
