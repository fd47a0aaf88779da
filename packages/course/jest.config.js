// @hotstepper/* resolve to their built lib/: `npm run build` comes first.
module.exports = require('../../jest.frontend.config')(__dirname);
