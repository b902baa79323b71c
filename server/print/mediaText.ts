import { HASHTAG } from '../../shared/print.ts';
import { RALLY_LANGUAGES, type RallyLanguage } from '../../shared/rallies.ts';

/** A word in its plural forms, chosen with Intl.PluralRules. */
type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** The words of the link previews (tags and card) and of the timelapse video, in one language. */
interface MediaWords {
  /** Open Graph's locale tag. */
  ogLocale: string;
  /** "kiss" / "kisses" after a count (the counter of the client's tables, without the number). */
  kisses: Plural;
  siteTitle: string;
  tileTitle: (id: number) => string;
  /** "12,345 kisses for LGBTQ+ rights, one live picture, rally London.": `kisses` is the count and its word, `rally` this table's `rally(place)`. */
  description: (kisses: string, rally: string | null) => string;
  imageAlt: (title: string) => string;
  /** The tile's rally: a registered rally's city, else the code the contributor gave. */
  rally: (place: string) => string;
}

/** The campaign's six languages (as the client's i18n tables and the rally flyer have them). */
export const MEDIA_TEXT: Record<RallyLanguage, MediaWords> = {
  en: {
    ogLocale: 'en_US',
    kisses: { one: 'kiss', other: 'kisses' },
    siteTitle: `${HASHTAG}: a live mosaic of kisses`,
    tileTitle: (id) => `Kiss #${id} in the ${HASHTAG} mosaic`,
    description: (n, rally) => `${n} for LGBTQ+ rights, one live picture${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title}: the photo ringed among its neighbours in the mosaic.`,
    rally: (place) => `rally ${place}`,
  },
  ru: {
    ogLocale: 'ru_RU',
    kisses: { one: 'поцелуй', few: 'поцелуя', many: 'поцелуев', other: 'поцелуя' },
    siteTitle: `${HASHTAG}: живая мозаика из поцелуев`,
    tileTitle: (id) => `Поцелуй №${id} в мозаике ${HASHTAG}`,
    description: (n, rally) => `${n} за права ЛГБТК+, одна живая картина${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title}: фото в рамке среди соседних в мозаике.`,
    rally: (place) => `акция ${place}`,
  },
  'pt-BR': {
    ogLocale: 'pt_BR',
    kisses: { one: 'beijo', other: 'beijos' },
    siteTitle: `${HASHTAG}: um mosaico de beijos ao vivo`,
    tileTitle: (id) => `Beijo nº ${id} no mosaico ${HASHTAG}`,
    description: (n, rally) => `${n} pelos direitos LGBTQ+, uma imagem ao vivo${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title}: a foto destacada entre as vizinhas no mosaico.`,
    rally: (place) => `ato ${place}`,
  },
  es: {
    ogLocale: 'es_ES',
    kisses: { one: 'beso', other: 'besos' },
    siteTitle: `${HASHTAG}: un mosaico de besos en vivo`,
    tileTitle: (id) => `Beso n.º ${id} en el mosaico ${HASHTAG}`,
    description: (n, rally) =>
      `${n} por los derechos LGBTQ+, una imagen en vivo${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title}: la foto resaltada entre sus vecinas en el mosaico.`,
    rally: (place) => `concentración ${place}`,
  },
  de: {
    ogLocale: 'de_DE',
    kisses: { one: 'Kuss', other: 'Küsse' },
    siteTitle: `${HASHTAG}: ein Live-Mosaik aus Küssen`,
    tileTitle: (id) => `Kuss Nr. ${id} im ${HASHTAG}-Mosaik`,
    description: (n, rally) => `${n} für LGBTQ+-Rechte, ein lebendiges Bild${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title}: das Foto, umrahmt von seinen Nachbarn im Mosaik.`,
    rally: (place) => `Kundgebung ${place}`,
  },
  fr: {
    ogLocale: 'fr_FR',
    kisses: { one: 'baiser', other: 'baisers' },
    siteTitle: `${HASHTAG} : une mosaïque de baisers en direct`,
    tileTitle: (id) => `Baiser nº ${id} dans la mosaïque ${HASHTAG}`,
    description: (n, rally) =>
      `${n} pour les droits LGBTQ+, une image en direct${rally ? `, ${rally}` : ''}.`,
    imageAlt: (title) => `${title} : la photo entourée parmi ses voisines dans la mosaïque.`,
    rally: (place) => `rassemblement ${place}`,
  },
};

/** A count written as the language writes numbers (its digit groups). */
export function formatCount(n: number, lang: RallyLanguage): string {
  return n.toLocaleString(lang);
}

/** The counter's word for `n` in `lang`. */
export function kissesWord(n: number, lang: RallyLanguage): string {
  const forms = MEDIA_TEXT[lang].kisses;
  return forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
}

/** Whether `s` is one of the six languages. */
export function isMediaLanguage(s: unknown): s is RallyLanguage {
  return (RALLY_LANGUAGES as readonly unknown[]).includes(s);
}
