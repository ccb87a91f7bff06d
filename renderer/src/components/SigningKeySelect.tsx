import { Alert, Button, Group, Loader, Select, Stack, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyInfo } from '../../../shared/contract';
import { shortFingerprint } from '../lib/signatures';
import { useStore } from '../store';
import { ErrorAlert } from './ErrorAlert';

/**
 * The workspace's active keys while a signing dialog is open, and the one the user picked
 * (with a single active key there is nothing to choose).
 */
export function useSigningKey(opened: boolean) {
  const keys = useStore((state) => state.keys);
  const { load } = keys;
  const [keyId, setKeyId] = useState<string | null>(null);

  // The list may be stale (a key revoked or generated elsewhere): ask again on every opening.
  useEffect(() => {
    if (opened) void load();
  }, [opened, load]);

  const active = keys.items.filter((key) => key.state === 'active');
  const chosen =
    active.find((key) => key.id === keyId) ?? (active.length === 1 ? active[0] : undefined);
  return { keys, active, chosen, setKeyId };
}

/**
 * Picks the active key to sign with; while the keys load it says so, and with no active key
 * it explains why and leads to the Keys page.
 */
export function SigningKeySelect({
  signing,
  noKeysBody,
  onGoToKeys,
  error,
  disabled,
  testId,
}: {
  signing: ReturnType<typeof useSigningKey>;
  /** Why a key is needed here, shown when there is none. */
  noKeysBody: string;
  onGoToKeys: () => void;
  error?: string;
  disabled: boolean;
  /** Prefix of the test ids: `<testId>-key`, `-keys-error`, `-no-keys`, `-go-to-keys`. */
  testId: string;
}) {
  const { t } = useTranslation();
  const { keys, active, chosen, setKeyId } = signing;
  return (
    <>
      {keys.error && <ErrorAlert error={keys.error} testId={`${testId}-keys-error`} />}

      {!keys.loaded && !keys.error && (
        <Group gap="sm" aria-busy>
          <Loader size="sm" aria-label={t('sign.loadingKeys')} />
          <Text size="sm" c="dimmed">
            {t('sign.loadingKeys')}
          </Text>
        </Group>
      )}

      {keys.loaded && active.length === 0 && (
        <Alert
          color="orange"
          variant="light"
          icon={<IconKey aria-hidden />}
          title={t('sign.noKeysTitle')}
          data-testid={`${testId}-no-keys`}
        >
          <Stack gap="sm" align="flex-start">
            <Text size="sm">{noKeysBody}</Text>
            <Button
              variant="default"
              size="compact-md"
              leftSection={<IconKey size={14} aria-hidden />}
              onClick={onGoToKeys}
              data-testid={`${testId}-go-to-keys`}
            >
              {t('sign.goToKeys')}
            </Button>
          </Stack>
        </Alert>
      )}

      {active.length > 0 && (
        <Select
          label={t('sign.key')}
          description={t('sign.keyHint')}
          placeholder={t('sign.keyPlaceholder')}
          data={active.map((key: KeyInfo) => ({
            value: key.id,
            label: t('sign.keyOption', {
              name: key.name,
              fingerprint: shortFingerprint(key.fingerprint),
            }),
          }))}
          value={chosen?.id ?? null}
          onChange={setKeyId}
          error={error}
          allowDeselect={false}
          required
          disabled={disabled}
          data-autofocus
          data-testid={`${testId}-key`}
        />
      )}
    </>
  );
}
