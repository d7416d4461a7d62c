/**
 * MidJourney's own documentation pages the parameter rules come from, declared once; every rule and every parameter
 * of the catalogue names one of them (docs/prompt-parameters.md lists them with what each page says).
 */
const HC = 'https://docs.midjourney.com/hc/en-us/articles/';

export const MJ_DOCS = {
  parameterList: `${HC}32859204029709-Parameter-List`,
  version: `${HC}32199405667853-Version`,
  aspectRatio: `${HC}31894244298125-Aspect-Ratio`,
  chaos: `${HC}32099348346765-Chaos-Variety`,
  stylize: `${HC}32196176868109-Stylize`,
  weird: `${HC}32390120435085-Weird`,
  quality: `${HC}32176522101773-Quality`,
  raw: `${HC}32634113811853-Raw`,
  no: `${HC}32173351982093-No`,
  multiPrompts: `${HC}32658968492557-Multi-Prompts-Weights`,
  seeds: `${HC}32604356340877-Seeds`,
  repeat: `${HC}32757107922061-Repeat`,
  tile: `${HC}32197978340109-Tile`,
  legacy: `${HC}33329788681101-Legacy-Features`,
  imagePrompts: `${HC}32040250122381-Image-Prompts`,
  styleReference: `${HC}32180011136653-Style-Reference`,
  omniReference: `${HC}36285124473997-Omni-Reference`,
  characterReference: `${HC}32162917505293-Character-Reference`,
  personalization: `${HC}32433330574221-Personalization`,
  moodboards: `${HC}39193335040013-Moodboards`,
  draft: `${HC}35577175650957-Draft-Conversational-Modes`,
  video: `${HC}37460773864589-Video`,
  zoomOut: `${HC}32595476770957-Zoom-Out`,
  gpuSpeed: `${HC}32016412137741-GPU-Speed-Fast-Relax-Turbo`,
} as const;

export type MjDocPage = keyof typeof MJ_DOCS;
