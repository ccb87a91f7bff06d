/**
 * English strings. Every other language provides the same shape (see `Messages`), so a missing
 * or misspelt key is a type error rather than a blank label.
 */
const en = {
  app: {
    name: 'Consign',
    version: 'Version {{version}}',
    loadingVersion: 'Loading version',
    host: {
      electron: 'Desktop',
      preview: 'Browser preview',
      cli: 'Command line',
      test: 'Test host',
    },
    colorScheme: {
      toLight: 'Switch to light theme',
      toDark: 'Switch to dark theme',
    },
  },
  nav: {
    label: 'Main navigation',
    images: 'Images',
    settings: 'Settings',
  },
  common: {
    yes: 'Yes',
    no: 'No',
    none: 'None',
    notAvailable: 'Not available',
    copy: 'Copy',
    copied: 'Copied',
    whatToDo: 'What to do:',
  },
  state: {
    ok: 'OK',
    warning: 'Warning',
    error: 'Error',
  },
  errors: {
    title: {
      DOCKER_UNAVAILABLE: 'Docker engine not reachable',
      KEYCHAIN_UNAVAILABLE: 'Keychain not available',
      KEYCHAIN_LOCKED: 'Keychain locked',
      WORKSPACE_UNAVAILABLE: 'Workspace not available',
      BRIDGE_MISSING: 'Engine not connected',
      TRANSPORT_FAILED: 'Lost contact with the engine',
      default: 'The request failed',
    },
    bridgeMissing: 'This window is not connected to the Consign engine.',
    bridgeMissingRemedy: 'Open Consign from the desktop app or the preview link it printed.',
    transportFailed: 'The request to the engine did not complete: {{reason}}',
    transportFailedRemedy: 'Check that Consign is still running, then try again.',
    code: 'Error code: {{code}}',
  },
  images: {
    title: 'Images',
    description: 'Container images in the local Docker engine.',
    refresh: 'Refresh',
    refreshing: 'Refreshing images',
    filterLabel: 'Filter images',
    filterPlaceholder: 'Filter by repository, tag or ID',
    clearFilter: 'Clear filter',
    count_one: '{{count}} image',
    count_other: '{{count}} images',
    countFiltered_one: '{{shown}} of {{count}} image',
    countFiltered_other: '{{shown}} of {{count}} images',
    tableCaption: 'Local Docker images',
    column: {
      repository: 'Repository',
      tag: 'Tag',
      id: 'Image ID',
      size: 'Size',
      created: 'Created',
    },
    sortBy: 'Sort by {{column}}',
    untagged: '<none>',
    copyId: 'Copy full image ID',
    idCopied: 'Image ID copied',
    digests_one: '{{count}} repository digest',
    digests_other: '{{count}} repository digests',
    loading: 'Loading images',
    empty: {
      title: 'No images yet',
      description:
        'The Docker engine has no images. Build or pull one with Docker, then refresh this list.',
    },
    noMatch: {
      title: 'No matching images',
      description: 'No image matches “{{filter}}”.',
    },
  },
  settings: {
    title: 'Settings',
    description: 'The workspace, keychain and Docker engine Consign works with.',
    checkAgain: 'Check again',
    checking: 'Checking',
    checkedAt: 'Checked {{time}}',
    workspace: {
      title: 'Workspace',
      path: 'Location',
      writable: 'Writable',
      database: 'Database',
      schemaVersion: 'Schema version',
      auditEvents: 'Audit events',
      auditIntact: 'Audit chain verifies',
    },
    keychain: {
      title: 'Keychain',
      backend: 'Backend',
      service: 'Service name',
      available: 'Available',
    },
    docker: {
      title: 'Docker engine',
      endpoint: 'Endpoint',
      reachable: 'Reachable',
      version: 'Version',
      apiVersion: 'API version',
      platform: 'OS / architecture',
    },
    about: {
      title: 'About',
      version: 'Version',
      host: 'Running in',
      platform: 'Platform',
      engineNode: 'Engine Node.js',
    },
  },
};

export default en;

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

/** The shape every language's strings must have. */
export type Messages = Strings<typeof en>;
