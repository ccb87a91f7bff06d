import { TextInput, Textarea } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SigningKeySelect, type useSigningKey } from '../../components/SigningKeySelect';
import classes from './DeliveriesPage.module.css';

/** What a delivery and a bundle export both ask for as text. */
export interface ReleaseFieldValues {
  release: string;
  images: string;
  policy: string;
}

/**
 * The fields a new delivery and a bundle export share: the release, its images, the key that
 * signs them and the scan policy that judges them.
 */
export function ReleaseFields({
  texts,
  values,
  onChange,
  errors,
  signing,
  onGoToKeys,
  disabled,
  testIds,
  placeholders = {},
  children,
}: {
  /** Where the labels and hints live: they say what the release is for. */
  texts: 'deliveries.form' | 'bundles.export';
  values: ReleaseFieldValues;
  onChange: (field: keyof ReleaseFieldValues, value: string) => void;
  /** Messages to show, already translated; none while the form is untouched. */
  errors: { release?: string | undefined; images?: string | undefined; keyId?: string | undefined };
  signing: ReturnType<typeof useSigningKey>;
  onGoToKeys: () => void;
  disabled: boolean;
  testIds: { release: string; images: string; key: string; policy: string };
  placeholders?: { images?: string; policy?: string };
  /** Fields placed after the images and before the key (who receives the release). */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      <TextInput
        label={t(`${texts}.release`)}
        description={t(`${texts}.releaseHint`)}
        placeholder="orbit@2.4.0"
        value={values.release}
        onChange={(event) => onChange('release', event.currentTarget.value)}
        error={errors.release}
        disabled={disabled}
        required
        spellCheck={false}
        autoComplete="off"
        classNames={{ input: classes.monoInput }}
        data-testid={testIds.release}
      />
      <Textarea
        label={t(`${texts}.images`)}
        description={t(`${texts}.imagesHint`)}
        placeholder={placeholders.images}
        value={values.images}
        onChange={(event) => onChange('images', event.currentTarget.value)}
        error={errors.images}
        disabled={disabled}
        required
        autosize
        minRows={2}
        maxRows={8}
        spellCheck={false}
        classNames={{ input: classes.monoInput }}
        data-testid={testIds.images}
      />
      {children}
      <SigningKeySelect
        signing={signing}
        noKeysBody={t(`${texts}.noKeys`)}
        onGoToKeys={onGoToKeys}
        error={errors.keyId}
        disabled={disabled}
        testId={testIds.key}
      />
      <TextInput
        label={t(`${texts}.policy`)}
        description={t(`${texts}.policyHint`)}
        placeholder={placeholders.policy}
        value={values.policy}
        onChange={(event) => onChange('policy', event.currentTarget.value)}
        disabled={disabled}
        spellCheck={false}
        autoComplete="off"
        classNames={{ input: classes.monoInput }}
        data-testid={testIds.policy}
      />
    </>
  );
}
