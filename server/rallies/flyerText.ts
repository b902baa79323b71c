import type { RallyLanguage } from '../../shared/rallies.ts';

/** The flyer's words in a rally's language (the hashtag and the link are the same everywhere). */
export const FLYER_TEXT: Record<RallyLanguage, { call: string; scan: string; kept: string }> = {
  en: {
    call: 'Kiss for LGBTQ+ rights',
    scan: 'Scan the code and add your kiss to the live mosaic',
    kept: 'Your photo becomes one tile. You can delete it at any time.',
  },
  ru: {
    call: 'Поцелуй за права ЛГБТК+',
    scan: 'Отсканируйте код и добавьте свой поцелуй в живую мозаику',
    kept: 'Ваше фото станет одной плиткой. Его можно удалить в любой момент.',
  },
  'pt-BR': {
    call: 'Um beijo pelos direitos LGBTQ+',
    scan: 'Escaneie o código e adicione seu beijo ao mosaico ao vivo',
    kept: 'Sua foto vira um bloco. Você pode apagá-la a qualquer momento.',
  },
  es: {
    call: 'Un beso por los derechos LGBTQ+',
    scan: 'Escanea el código y añade tu beso al mosaico en vivo',
    kept: 'Tu foto se convierte en una pieza. Puedes borrarla cuando quieras.',
  },
  de: {
    call: 'Ein Kuss für LGBTQ+-Rechte',
    scan: 'Scanne den Code und füge deinen Kuss dem Live-Mosaik hinzu',
    kept: 'Dein Foto wird eine Kachel. Du kannst es jederzeit löschen.',
  },
  fr: {
    call: 'Un baiser pour les droits LGBTQ+',
    scan: 'Scannez le code et ajoutez votre baiser à la mosaïque en direct',
    kept: 'Votre photo devient une tuile. Vous pouvez la supprimer à tout moment.',
  },
};
