import '@hotstepper/core/style/index.css';
import './base.css';
