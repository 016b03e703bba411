// Event Grid system topic on an existing Azure Communication Services resource. Deployed into the
// resource group of the topic (the ACS resource's, or that of an existing topic being adopted). An ACS resource can
// have only one system topic: the azd preprovision hook finds an existing one, and declaring it by name adopts it:
// its system-assigned identity is turned on (dead-lettering), the user-assigned identities it already has are kept
// (userAssignedIdentityIds), and its tags are kept (passed in tags) with ours added.
// The event subscription is NOT declared here: infra/hooks/postdeploy.(sh|ps1) creates or updates
// it once the function code is deployed.

@description('Name of the system topic.')
param name string

@description('Resource id of the Azure Communication Services resource (the event source).')
param acsResourceId string

@description('Log Analytics workspace that receives the topic\'s delivery-failure logs and metrics.')
param logAnalyticsWorkspaceId string

@description('User-assigned identities the topic already has (resource ids): kept, so that other subscriptions delivering or dead-lettering with them keep working.')
param userAssignedIdentityIds array = []

param tags object = {}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global' // ACS is a global resource, so is its system topic
  tags: tags
  // The system-assigned identity dead-letters into the archive account.
  identity: empty(userAssignedIdentityIds)
    ? {
        type: 'SystemAssigned'
      }
    : {
        type: 'SystemAssigned, UserAssigned'
        userAssignedIdentities: toObject(userAssignedIdentityIds, id => id, id => {})
      }
  properties: {
    source: acsResourceId
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

// Delivery failures (why an event was not delivered) and the delivery/dead-letter metrics.
resource topicDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: systemTopic
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = systemTopic.name
output id string = systemTopic.id
output principalId string = systemTopic.identity.principalId
