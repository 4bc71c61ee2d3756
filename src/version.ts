// Replaced at build time with package.json's version; tests read the source.
declare const RNERDCTL_VERSION: string | undefined

export const VERSION: string = typeof RNERDCTL_VERSION === 'string' ? RNERDCTL_VERSION : '0.0.0-source'
