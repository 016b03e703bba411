// Alerts that tell an operator a recording may be at risk:
// - the poison queue is not empty (the rescuePoisonedChunk function ran: a chunk failed 5 times),
// - chunks failing to archive, and event deliveries the app refused or failed,
// - Event Grid dead-lettered, dropped, or failed to deliver events (system topic metrics).
// Log alerts query Application Insights' requests table (written by the Functions host for every
// invocation, so they work whatever the app logs). With alertEmail empty the rules exist without an
// action group (they show in the portal's Alerts view).

param namePrefix string
param location string
param tags object = {}
param alertEmail string = ''
param appInsightsId string
param systemTopicId string

@description('Failed archiveChunk invocations tolerated in 15 minutes before alerting (each is retried; a few are normal when ACS is slow).')
param archiveFailureThreshold int = 5

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'recarchive'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [
  actionGroup.id
]

var logAlerts = [
  {
    name: 'poison-queue-not-empty'
    description: 'A chunk message reached the poison queue (5 failed attempts). rescuePoisonedChunk re-queues it or records it under archive-failures/; check both before the retention deadline.'
    severity: 1
    query: 'requests | where name == "rescuePoisonedChunk"'
    threshold: 0
  }
  {
    name: 'archive-failures'
    description: 'archiveChunk invocations are failing (each is retried, then poisoned). See the exceptions for the chunk keys.'
    severity: 2
    query: 'requests | where name == "archiveChunk" and success == false'
    threshold: archiveFailureThreshold
  }
  {
    name: 'event-deliveries-failing'
    description: 'The app refused or failed recording event deliveries (Event Grid retries them, then dead-letters them).'
    severity: 2
    query: 'requests | where name in ("recordingEventsGrid", "recordingEventsWebhook") and success == false'
    threshold: 0
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [
  for alert in logAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: 'Recording archiver: ${alert.name}'
      description: alert.description
      severity: alert.severity
      enabled: true
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      scopes: [
        appInsightsId
      ]
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: actionGroupIds
      }
    }
  }
]

var topicAlerts = [
  {
    name: 'eventgrid-dead-lettered'
    description: 'Event Grid dead-lettered recording events (see the eventgrid-deadletter container; replay them with the archive CLI).'
    severity: 1
    metricName: 'DeadLetteredCount'
  }
  {
    name: 'eventgrid-dropped'
    description: 'Event Grid dropped recording events (not delivered and not dead-lettered).'
    severity: 1
    metricName: 'DroppedEventCount'
  }
  {
    name: 'eventgrid-delivery-failing'
    description: 'Event Grid delivery attempts to the archiver are failing (retried up to the subscription retry policy).'
    severity: 2
    metricName: 'DeliveryAttemptFailCount'
  }
]

resource topicAlertRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for alert in topicAlerts: {
    name: '${namePrefix}-${alert.name}'
    location: 'global'
    tags: tags
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        systemTopicId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: alert.metricName
            metricNamespace: 'Microsoft.EventGrid/systemTopics'
            metricName: alert.metricName
            operator: 'GreaterThan'
            threshold: 0
            timeAggregation: 'Total'
          }
        ]
      }
      actions: [
        for id in actionGroupIds: {
          actionGroupId: id
        }
      ]
    }
  }
]
