import { Paper, Skeleton, Stack, VisuallyHidden } from '@mantine/core';

/** Stands in for a list page's table while its first load runs; says so to screen readers. */
export function TableSkeleton({
  label,
  rows = 3,
  testId,
}: {
  label: string;
  rows?: number;
  testId: string;
}) {
  return (
    <Paper withBorder radius="md" p="md" aria-busy data-testid={testId}>
      <VisuallyHidden>{label}</VisuallyHidden>
      <Stack gap="sm">
        {Array.from({ length: rows }, (_, index) => (
          <Skeleton key={index} height={28} radius="sm" />
        ))}
      </Stack>
    </Paper>
  );
}
