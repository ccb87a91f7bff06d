import { Alert, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconCircleDashed,
  IconCircleX,
} from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { EngineText, ErrorAlert, Remedy } from '../../components/ErrorAlert';
import type { CustomerTestState } from '../../store/customers';
import { failedStep, STEPS, stepStates, type StepState } from './connectionSteps';
import classes from './CustomersPage.module.css';

const look = {
  ok: { color: 'teal', Icon: IconCircleCheck },
  failed: { color: 'red', Icon: IconCircleX },
  skipped: { color: 'gray', Icon: IconCircleDashed },
} as const satisfies Record<StepState, unknown>;

/** The three steps of the last connection test: reachable, authenticated, can push. */
export function ConnectionSteps({
  name,
  state,
}: {
  name: string;
  state: CustomerTestState | undefined;
}) {
  const { t } = useTranslation();
  if (!state?.result) {
    return (
      <Text size="sm" c="dimmed">
        {state?.running ? t('customers.testingShort') : t('customers.notTested')}
      </Text>
    );
  }
  const states = stepStates(state.result);
  return (
    <Stack
      gap={2}
      component="ul"
      className={classes.steps}
      aria-label={t('customers.steps.label', { name })}
    >
      {STEPS.map((step) => {
        const { color, Icon } = look[states[step]];
        return (
          <Group
            key={step}
            component="li"
            gap={6}
            wrap="nowrap"
            data-testid={`customer-step-${step}`}
            data-state={states[step]}
          >
            <Icon size={16} color={`var(--mantine-color-${color}-filled)`} aria-hidden />
            <Text
              size="sm"
              c={states[step] === 'skipped' ? 'dimmed' : undefined}
              className={classes.nowrap}
            >
              {t(`customers.steps.${step}`)}
              <VisuallyHidden>: {t(`customers.stepState.${states[step]}`)}</VisuallyHidden>
            </Text>
          </Group>
        );
      })}
    </Stack>
  );
}

/** Why the last test stopped, in the engine's plain words, and what to do about it. */
export function ConnectionProblem({ state }: { state: CustomerTestState }) {
  const { t } = useTranslation();
  if (state.error) return <ErrorAlert error={state.error} testId="customer-test-error" />;
  const result = state.result;
  if (!result?.error) return null;
  const step = failedStep(result);
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={step ? t('customers.testFailed', { step: t(`customers.steps.${step}`) }) : undefined}
      data-testid="customer-test-problem"
      data-step={step ?? undefined}
    >
      <Stack gap="xs">
        <Text size="sm" data-testid="error-message">
          <EngineText text={result.error} />
        </Text>
        {result.remedy && <Remedy remedy={result.remedy} />}
      </Stack>
    </Alert>
  );
}
