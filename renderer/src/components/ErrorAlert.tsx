import { Alert, Code, Stack, Text } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api';

/** Shows a failed request: a title for its kind, the engine's message and what to do about it. */
export function ErrorAlert({
  error,
  testId,
  title: heading,
  children,
}: {
  error: ApiError;
  testId?: string;
  /** What failed, when the request's own words say it better than the kind of error. */
  title?: string;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const title =
    heading ??
    (() => {
      switch (error.code) {
        case 'DOCKER_UNAVAILABLE':
        case 'KEYCHAIN_UNAVAILABLE':
        case 'KEYCHAIN_LOCKED':
        case 'WORKSPACE_UNAVAILABLE':
        case 'BRIDGE_MISSING':
        case 'TRANSPORT_FAILED':
        case 'REGISTRY_UNAVAILABLE':
        case 'BAD_INPUT':
        case 'NOT_FOUND':
          return t(`errors.title.${error.code}`);
        default:
          return t('errors.title.default');
      }
    })();
  return (
    <Alert
      color="red"
      variant="light"
      title={title}
      icon={<IconAlertCircle aria-hidden />}
      data-testid={testId}
      data-code={error.code}
    >
      <Stack gap="xs">
        <Text size="sm" data-testid="error-message">
          <EngineText text={error.message} />
        </Text>
        {error.remedy && <Remedy remedy={error.remedy} />}
        {children}
      </Stack>
    </Alert>
  );
}

/** "What to do: …" under a problem. */
export function Remedy({ remedy }: { remedy: string }) {
  const { t } = useTranslation();
  return (
    <Text size="sm" data-testid="error-remedy">
      <Text span fw={600} inherit>
        {t('common.whatToDo')}
      </Text>{' '}
      <EngineText text={remedy} />
    </Text>
  );
}

/**
 * A message or remedy from the engine. Commands and names in it are written between backticks;
 * they are shown as code, so they read as something to type rather than as prose.
 */
export function EngineText({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/);
  return parts.map((part, index) =>
    index % 2 === 1 ? <Code key={index}>{part}</Code> : part || null,
  );
}
