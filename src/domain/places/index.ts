// Public API of domain/places: place categories, area types, screening, installation rules, filing deadlines,
// penalties and the compliance checker (R7–R17, R26–R30, D11, D12).
export * from './places.js';
export * from './screening.js';
export * from './installation.js';
export * from './masks.js';
export * from './filing.js';
export * from './penalties.js';
export * from './findings.js';
export * from './compliance-checks.js';
export * from './duties.js';
export * from './duty-checks.js';
export * from './systems.js';
export * from './credit-code.js';
export * from './filing-record.js';
