export { type IAnswer, settingsRouting, until } from '@hotstepper/core/lib/testing';
