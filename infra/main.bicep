// Infrastructure for the ACS recording archiver (resource-group scope).
//
// Creates: a user-assigned identity; a Flex Consumption Linux Function App (Node) that reaches all of
// its dependencies with that identity; a host storage account (AzureWebJobsStorage, the chunk queue,
// the deployment package); an archive storage account (recordings, rejected-events,
// eventgrid-deadletter; optional container-level WORM on recordings); Key Vault holding the ACS
// connection string; Log Analytics + Application Insights; and, in the EXISTING ACS resource's
// resource group, the Event Grid system topic and (second phase) its subscription to the
// recordingEventsGrid function. See README.md for the two-phase deployment.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(32)
@description('Short environment name (for example "prod"). Seeds the unique suffix of resource names and the azd-env-name tag.')
param environmentName string

@description('Region of every regional resource. The Event Grid system topic is global, like ACS.')
param location string = resourceGroup().location

@description('Resource id of the EXISTING Azure Communication Services resource: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Communication/communicationServices/<name>. The system topic is created in its resource group.')
param acsResourceId string

@secure()
@description('ACS connection string to store in Key Vault. Empty: read the primary connection string from the ACS resource (listKeys) at deployment time.')
param acsConnectionString string = ''

@description('Write the ACS connection string secret on every deployment. Set false once you manage (rotate) the secret yourself; the app keeps referencing the latest version of the secret.')
param writeAcsSecret bool = true

@description('Name of the Event Grid system topic on the ACS resource. An ACS resource can have only ONE system topic: if it already has one (for example created by the portal Events blade), pass its name and it is adopted.')
param systemTopicName string = ''

@description('Name of the event subscription on the system topic.')
param eventSubscriptionName string = 'recording-archiver'

@description('Create the Event Grid subscription to the recordingEventsGrid function. Leave false until the function code is published (two-phase deployment, see README).')
param deployEventSubscription bool = false

@description('Keep recordings in their own storage account (recommended). When false they live in the host storage account.')
param useSeparateArchiveAccount bool = true

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
@description('Replication of the archive storage account.')
param archiveStorageSku string = 'Standard_GRS'

@minLength(3)
@maxLength(63)
@description('Blob container for archived recordings (app setting RECORDINGS_CONTAINER).')
param recordingsContainerName string = 'recordings'

@minLength(3)
@maxLength(63)
@description('Storage queue of recording chunks, in the host storage account (app setting CHUNK_QUEUE).')
param chunkQueueName string = 'recording-chunks'

@minValue(1)
@maxValue(8760)
@description('Hours ACS keeps a recording after its event: the archiver\'s hard deadline (app setting RETENTION_HOURS).')
param retentionHours int = 24

@description('Delete the ACS copy once a chunk is archived (app setting DELETE_AFTER_ARCHIVE).')
param deleteAfterArchive bool = false

@minValue(0)
@maxValue(146000)
@description('Container-level time-based retention (WORM) on the recordings container, in days; 0 = off. Created UNLOCKED: lock it by hand to make it binding (README).')
param recordingsImmutabilityDays int = 0

@minValue(1)
@maxValue(365)
@description('Blob and container soft-delete retention on the archive account, in days.')
param blobSoftDeleteDays int = 14

@minValue(1)
@maxValue(30)
@description('Event Grid delivery attempts before an event is dead-lettered.')
param eventMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
@description('Event Grid event time to live, in minutes, before an undelivered event is dead-lettered.')
param eventTimeToLiveInMinutes int = 1440

@allowed([
  '20'
  '22'
])
@description('Node.js version of the Function App.')
param nodeVersion string = '20'

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption instance memory, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Flex Consumption maximum instance count.')
param maximumInstanceCount int = 100

@description('Enable Key Vault purge protection (irreversible once on).')
param keyVaultPurgeProtection bool = true

@minValue(30)
@maxValue(730)
@description('Log Analytics retention, in days.')
param logRetentionDays int = 30

// ---------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------

// /subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Communication/communicationServices/{2}
var acsIdSegments = split(acsResourceId, '/')
var acsSubscriptionId = acsIdSegments[2]
var acsResourceGroupName = acsIdSegments[4]
var acsName = acsIdSegments[8]

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = {
  'azd-env-name': environmentName
  app: 'acs-recording-archiver'
}

var identityName = 'id-recarch-${resourceToken}'
var planName = 'asp-recarch-${resourceToken}'
var functionAppName = 'func-recarch-${resourceToken}'
var hostStorageName = 'strecfn${resourceToken}'
var archiveStorageName = 'strecarc${resourceToken}'
var archiveAccountName = useSeparateArchiveAccount ? archiveStorageName : hostStorageName
var keyVaultName = 'kv-recarch-${resourceToken}'
var logAnalyticsName = 'log-recarch-${resourceToken}'
var appInsightsName = 'appi-recarch-${resourceToken}'
var resolvedSystemTopicName = empty(systemTopicName) ? 'evgt-${acsName}' : systemTopicName

var deploymentContainerName = 'app-package-${resourceToken}'
var quarantineContainerName = 'rejected-events' // fixed in the app (src/config/appConfig.ts)
var deadLetterContainerName = 'eventgrid-deadletter'
var acsSecretName = 'acs-connection-string'

var storageBlobSuffix = 'blob.${environment().suffixes.storage}'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageQueueDataMessageProcessor: '8a0f0c08-91a1-4084-bc3d-661d67233fed'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// What the Functions host needs on AzureWebJobsStorage (blobs: leases, deployment package;
// queues: the archiveChunk trigger and the app's own sends; tables: host bookkeeping).
var hostStorageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageQueueDataMessageProcessor
  roles.storageTableDataContributor
]

// ---------------------------------------------------------------------------------------------
// Identity and monitoring
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true // telemetry is sent with the identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

var secureStorageProperties = {
  accessTier: 'Hot'
  allowBlobPublicAccess: false
  allowSharedKeyAccess: false // identity only
  allowCrossTenantReplication: false
  defaultToOAuthAuthentication: true
  minimumTlsVersion: 'TLS1_2'
  supportsHttpsTrafficOnly: true
  publicNetworkAccess: 'Enabled'
  networkAcls: {
    bypass: 'AzureServices'
    defaultAction: 'Allow'
  }
}

// Host storage: AzureWebJobsStorage, the chunk queue and the Flex deployment package.
resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: hostStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: secureStorageProperties
}

// Archive storage: recordings (+ archive-failures/ records), rejected-events, eventgrid-deadletter.
resource archiveStorage 'Microsoft.Storage/storageAccounts@2023-05-01' = if (useSeparateArchiveAccount) {
  name: archiveStorageName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: archiveStorageSku
  }
  properties: secureStorageProperties
}

// The archive account is archiveStorage or hostStorage (useSeparateArchiveAccount): referenced by
// name, with explicit dependencies on whichever account this deployment creates.
resource archiveAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: archiveAccountName
}

resource archiveBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: archiveAccount
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
  }
  dependsOn: [
    hostStorage
    archiveStorage
  ]
}

resource recordingsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: recordingsContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Container-level WORM. The app writes each blob once, with all its metadata in the one commit,
// so it works under a time-based retention policy. Created unlocked; see README to lock it.
resource recordingsImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = if (recordingsImmutabilityDays > 0) {
  parent: recordingsContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: recordingsImmutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource quarantineContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: quarantineContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: archiveBlobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource hostBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: hostStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
  dependsOn: [
    hostStorage
    archiveBlobService // the same blobServices/default when the archive shares the host account
  ]
}

resource hostQueueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: hostStorage
  name: 'default'
}

resource chunkQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: hostQueueService
  name: chunkQueueName
  dependsOn: [
    hostStorage
  ]
}

// ---------------------------------------------------------------------------------------------
// Key Vault: the ACS connection string, read by the app through a Key Vault reference
// ---------------------------------------------------------------------------------------------

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: acsName
  scope: resourceGroup(acsSubscriptionId, acsResourceGroupName)
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null // false is rejected: leave it out
    publicNetworkAccess: 'Enabled'
  }
}

resource acsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (writeAcsSecret) {
  parent: keyVault
  name: acsSecretName
  properties: {
    contentType: 'ACS connection string'
    value: !empty(acsConnectionString) ? acsConnectionString : acs.listKeys().primaryConnectionString
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments for the app's identity
// ---------------------------------------------------------------------------------------------

resource hostStorageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in hostStorageRoles: {
    name: guid(hostStorage.id, identity.id, roleId)
    scope: hostStorage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// On a shared account the host's Blob Data Owner already covers the archive containers.
resource archiveBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useSeparateArchiveAccount) {
  name: guid(resourceId('Microsoft.Storage/storageAccounts', archiveStorageName), identity.id, roles.storageBlobDataContributor)
  scope: archiveStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// Function App (Flex Consumption, Linux)
// ---------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      // Flex Consumption takes the runtime from functionAppConfig: no FUNCTIONS_WORKER_RUNTIME,
      // FUNCTIONS_EXTENSION_VERSION or WEBSITE_RUN_FROM_PACKAGE here.
      appSettings: [
        // Host storage, identity-based (also the archiveChunk queue trigger and the app's queue client).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: hostStorage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identity.properties.clientId
        }
        // Archive storage, identity-based.
        {
          name: 'RECORDINGS_STORAGE__blobServiceUri'
          value: 'https://${archiveAccountName}.${storageBlobSuffix}'
        }
        {
          name: 'RECORDINGS_STORAGE__credential'
          value: 'managedidentity'
        }
        {
          name: 'RECORDINGS_STORAGE__clientId'
          value: identity.properties.clientId
        }
        {
          name: 'RECORDINGS_CONTAINER'
          value: recordingsContainerName
        }
        {
          name: 'CHUNK_QUEUE'
          value: chunkQueueName
        }
        // ACS: the connection string from Key Vault (latest version), and the one resource whose
        // events are accepted.
        {
          name: 'ACS_CONNECTION_STRING'
          value: '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${acsSecretName})'
        }
        {
          name: 'ALLOWED_ACS_RESOURCES'
          value: acsResourceId
        }
        {
          name: 'RETENTION_HOURS'
          value: string(retentionHours)
        }
        {
          name: 'DELETE_AFTER_ARCHIVE'
          value: deleteAfterArchive ? 'true' : 'false'
        }
        // Application Insights with Entra ID authentication (local auth is disabled).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
  // Start with the roles and the secret in place, so the first start can read its settings.
  dependsOn: [
    hostStorageRoleAssignments
    archiveBlobContributor
    keyVaultSecretsUser
    metricsPublisher
    acsSecret
    deploymentContainer
    chunkQueue
    recordingsContainer
    quarantineContainer
  ]
}

// ---------------------------------------------------------------------------------------------
// Event Grid: system topic on the existing ACS resource, dead-lettering, subscription
// ---------------------------------------------------------------------------------------------

module acsSystemTopic 'modules/acs-system-topic.bicep' = {
  name: 'acs-system-topic-${resourceToken}'
  scope: resourceGroup(acsSubscriptionId, acsResourceGroupName)
  params: {
    name: resolvedSystemTopicName
    acsResourceId: acsResourceId
    tags: {
      app: 'acs-recording-archiver'
    }
  }
}

// The system topic's identity writes undeliverable events into eventgrid-deadletter.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, acsResourceId, resolvedSystemTopicName, roles.storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: acsSystemTopic.outputs.principalId
    principalType: 'ServicePrincipal'
  }
}

// Phase two: needs the recordingEventsGrid function to exist (code published), because Event Grid
// resolves the function and its eventgrid_extension key when the subscription is created.
module recordingEventsSubscription 'modules/acs-event-subscription.bicep' = if (deployEventSubscription) {
  name: 'acs-recording-events-${resourceToken}'
  scope: resourceGroup(acsSubscriptionId, acsResourceGroupName)
  params: {
    systemTopicName: acsSystemTopic.outputs.name
    name: eventSubscriptionName
    functionResourceId: '${functionApp.id}/functions/recordingEventsGrid'
    deadLetterStorageAccountId: archiveAccount.id
    deadLetterContainerName: deadLetterContainerName
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
  dependsOn: [
    deadLetterWriter
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output managedIdentityClientId string = identity.properties.clientId
output hostStorageAccountName string = hostStorage.name
output archiveStorageAccountName string = archiveAccountName
output keyVaultName string = keyVault.name
output applicationInsightsName string = appInsights.name
output eventGridSystemTopicName string = acsSystemTopic.outputs.name
output eventGridSystemTopicResourceGroup string = acsResourceGroupName
output eventSubscriptionDeployed bool = deployEventSubscription
